//! The charts: uPlot (npm `uplot`, served from `/console/vendor/`), drawn
//! into an element that screen readers skip (each chart has a table view
//! and a text summary instead), and money written by the browser's Intl
//! from an exact decimal string.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(
    inline_js = "export function draw(t,xs,labels,colors,ys){if(t._u){t._u.destroy();t._u=null}if(typeof uPlot!=='function'){return false}var w=function(){return Math.max(240,t.clientWidth||600)};var s=[{}];for(var i=0;i<labels.length;i++){s.push({label:labels[i],stroke:colors[i],width:2})}t._u=new uPlot({width:w(),height:220,tzDate:function(s){return uPlot.tzDate(new Date(s*1e3),'Etc/UTC')},scales:{x:{time:true}},series:s,legend:{show:true}},[xs].concat(ys),t);if(!t._r&&typeof ResizeObserver==='function'){t._r=new ResizeObserver(function(){if(t._u){t._u.setSize({width:w(),height:220})}});t._r.observe(t)}return true}
export function money(d,c,l){try{return new Intl.NumberFormat(l,{style:'currency',currency:c}).format(d)}catch(e){return d+' '+c}}"
)]
extern "C" {
    /// Draws (or draws again) a chart of `ys` over `xs` into `target`;
    /// whether uPlot was there to draw it.
    fn draw(
        target: &web_sys::HtmlElement,
        xs: Vec<f64>,
        labels: Vec<String>,
        colors: Vec<String>,
        ys: js_sys::Array,
    ) -> bool;

    /// An exact decimal (`"12.50"`) as money in a currency and locale.
    fn money(decimal: &str, currency: &str, locale: &str) -> String;
}

/// The lines' colours (contrast 4.5:1 or more on white).
const COLORS: [&str; 3] = ["#2452c9", "#b3261e", "#1b6b3a"];

/// Draws one chart; whether it could.
pub fn line_chart(
    target: &web_sys::HtmlElement,
    xs: Vec<f64>,
    lines: Vec<(String, Vec<i64>)>,
) -> bool {
    let ys = js_sys::Array::new();
    let mut labels = Vec::new();
    let mut colors = Vec::new();
    for (i, (label, values)) in lines.into_iter().enumerate() {
        let column: Vec<f64> = values.into_iter().map(|v| v as f64).collect();
        ys.push(&js_sys::Float64Array::from(column.as_slice()));
        labels.push(label);
        colors.push(COLORS[i % COLORS.len()].to_owned());
    }
    draw(target, xs, labels, colors, ys)
}

/// Minor units of `currency` as money in the console's locale.
pub fn format_money(minor: i64, currency: &str, locale: &str) -> String {
    let digits = loyalty_rules::currency::minor_digits(currency);
    money(
        &loyalty_rules::currency::decimal(minor, digits),
        currency,
        locale,
    )
}
