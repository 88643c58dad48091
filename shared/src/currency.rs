//! Currencies' minor units: how many digits follow the decimal point
//! (ISO 4217's exponent), and exact decimal amounts in minor units.
//!
//! Invariant: `parse_decimal` is exact (no float on the way): a decimal
//! string with at most the currency's digits is the same integer of minor
//! units, and anything else is `None`.

/// How many minor units make a major one: ISO 4217's exponent, for the
/// currencies where it is not 2.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// A platform's decimal amount (`"181.09"`, `"7"`, `"0.5"`) in minor units
/// of a currency with `digits` minor digits; `None` for a sign, more
/// digits than the currency has, anything not a decimal, or an amount past
/// the largest the contract allows.
pub fn parse_decimal(text: &str, digits: u32) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    // Trailing zeros past the currency's digits say nothing ("1.500" JPY
    // is not, but "12.50" in a 2-digit currency and "12.500" are 1250).
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > digits as usize || whole.len() > 16 {
        return None;
    }
    let mut value: i64 = whole.parse().ok()?;
    for place in 0..digits as usize {
        let digit = fraction
            .as_bytes()
            .get(place)
            .map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    (value <= crate::program::MAX_AMOUNT).then_some(value)
}

/// Minor units as an exact decimal in major units: `(45000, 2)` is
/// `450.00` (the inverse of [`parse_decimal`], for display through the
/// browser's Intl, which formats a decimal string exactly).
#[inline]
pub fn decimal(minor: i64, digits: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{magnitude}");
    }
    let scale = 10u64.pow(digits);
    let width = digits as usize;
    format!("{sign}{}.{:0width$}", magnitude / scale, magnitude % scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_exact_minor_units() {
        assert_eq!(parse_decimal("181.09", 2), Some(18_109));
        assert_eq!(parse_decimal("199.00", 2), Some(19_900));
        assert_eq!(parse_decimal("7", 2), Some(700));
        assert_eq!(parse_decimal("0.5", 2), Some(50));
        assert_eq!(parse_decimal("12.500", 2), Some(1_250));
        assert_eq!(parse_decimal("1500", 0), Some(1_500));
        assert_eq!(parse_decimal("1.234", 3), Some(1_234));
        for bad in [
            "", ".5", "-1.00", "1.005", "1,00", "1e3", " 1", "abc", "1.2.3",
        ] {
            assert_eq!(parse_decimal(bad, 2), None, "{bad:?}");
        }
        assert_eq!(parse_decimal("1.5", 0), None);
        assert_eq!(parse_decimal("99999999999999999", 2), None);
    }

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(minor_digits("USD"), 2);
        assert_eq!(minor_digits("SAR"), 2);
        assert_eq!(minor_digits("JPY"), 0);
        assert_eq!(minor_digits("KWD"), 3);
    }
}
