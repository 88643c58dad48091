//! The daily series as the analytics section shows it: the charts' lines,
//! their table views and text summaries, and the CSV download, all from
//! `GET …/analytics/daily` (every day of the range present, oldest first).

use chrono::NaiveDate;
use loyalty_rules::analytics::{DayPoint, PointValue};
use serde::Deserialize;

/// `GET …/analytics/daily`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Daily {
    pub time_zone: String,
    pub currency: String,
    pub point_value: Option<PointValue>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: Vec<DayPoint>,
}

/// The figures of one chart: a line per figure, a value per day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    IssuedThatDay,
    RedeemedThatDay,
    Members,
    Outstanding,
}

impl Figure {
    pub fn of(self, day: &DayPoint) -> i64 {
        match self {
            Figure::IssuedThatDay => day.changes.points_issued,
            Figure::RedeemedThatDay => day.changes.points_redeemed,
            Figure::Members => day.metrics.members,
            Figure::Outstanding => day.metrics.points_outstanding,
        }
    }
}

/// The charts, each with its figures.
pub const CHARTS: [&[Figure]; 3] = [
    &[Figure::IssuedThatDay, Figure::RedeemedThatDay],
    &[Figure::Members],
    &[Figure::Outstanding],
];

impl Daily {
    /// Each day's midnight (UTC) in seconds, the charts' x values.
    pub fn xs(&self) -> Vec<f64> {
        self.days
            .iter()
            .filter_map(|d| d.date.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp() as f64)
            .collect()
    }

    /// One figure, day by day.
    pub fn values(&self, figure: Figure) -> Vec<i64> {
        self.days.iter().map(|d| figure.of(d)).collect()
    }

    /// The sum of a day-by-day figure over the range.
    pub fn total(&self, figure: Figure) -> i64 {
        self.values(figure)
            .iter()
            .fold(0i64, |a, b| a.saturating_add(*b))
    }

    /// A figure on the range's first and last day.
    pub fn ends(&self, figure: Figure) -> (i64, i64) {
        (
            self.days.first().map_or(0, |d| figure.of(d)),
            self.days.last().map_or(0, |d| figure.of(d)),
        )
    }

    /// The liability on the last day, in minor units (none without a
    /// reward that gives money).
    pub fn liability(&self) -> Option<i64> {
        self.days.last().and_then(|d| d.liability_minor)
    }

    /// Every day's figures as CSV (RFC 4180; rates in basis points, money
    /// in minor units of `currency`).
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "date,members,points_issued,points_redeemed,points_outstanding,liability_minor,\
             issued_that_day,redeemed_that_day,net_spend_that_day_minor,new_members_that_day,\
             participation_rate_bp,redemption_rate_bp,repeat_customer_rate_bp,clv_minor,nps,currency\r\n",
        );
        for day in &self.days {
            let m = &day.metrics;
            let c = &day.changes;
            let optional = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
                day.date,
                m.members,
                m.points_issued,
                m.points_redeemed,
                m.points_outstanding,
                optional(day.liability_minor),
                c.points_issued,
                c.points_redeemed,
                c.net_spend,
                c.members,
                m.participation_rate,
                m.redemption_rate,
                m.repeat_customer_rate,
                m.clv_minor,
                optional(m.nps),
                self.currency,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Daily {
        serde_json::from_value(serde_json::json!({
            "time_zone": "Asia/Riyadh", "currency": "SAR",
            "point_value": {"amount_minor": 500, "points": 500},
            "from": "2026-11-01", "to": "2026-11-02",
            "days": [
                {"date": "2026-11-01", "members": 1, "participation_rate": 0, "redemption_rate": 0,
                 "repeat_customer_rate": 0, "points_outstanding": 100, "points_issued": 100,
                 "points_redeemed": 0, "tier_counts": {}, "referral_conversions": 0, "clv_minor": 0,
                 "nps": null, "nps_answers": 0, "liability_minor": 100,
                 "changes": {"points_issued": 100, "points_redeemed": 0, "net_spend": 0, "members": 1}},
                {"date": "2026-11-02", "members": 2, "participation_rate": 5000, "redemption_rate": 1666,
                 "repeat_customer_rate": 0, "points_outstanding": 500, "points_issued": 600,
                 "points_redeemed": 100, "tier_counts": {"bronze": 2}, "referral_conversions": 0,
                 "clv_minor": 30000, "nps": 25, "nps_answers": 4, "liability_minor": 500,
                 "changes": {"points_issued": 500, "points_redeemed": 100, "net_spend": 30000, "members": 1}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn totals_ends_and_days() {
        let s = series();
        assert_eq!(s.total(Figure::IssuedThatDay), 600);
        assert_eq!(s.ends(Figure::Members), (1, 2));
        assert_eq!(s.liability(), Some(500));
        assert_eq!(s.xs(), vec![1_793_491_200.0, 1_793_577_600.0]);
    }

    #[test]
    fn the_csv_has_a_row_a_day() {
        let csv = series().csv();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[2],
            "2026-11-02,2,600,100,500,500,500,100,30000,1,5000,1666,0,30000,25,SAR"
        );
        assert_eq!(lines[1].split(',').nth(14), Some(""), "no NPS yet: empty");
    }
}
