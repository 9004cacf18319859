//! Reading the charts out of the DOM Chromium dumps: each `<svg class="chart">` with its view
//! box, its bars (`rect.bar`) and its text. Chromium serialises the parsed DOM, so this reads
//! what the browser built, not what the file said: attributes double-quoted, every element
//! closed.

use std::collections::BTreeMap;

/// One element: its attributes and the markup inside it.
#[derive(Debug, Clone)]
pub struct Element {
    /// Attributes, unescaped.
    pub attrs: BTreeMap<String, String>,
    /// The markup between its start and end tags.
    pub inner: String,
}

impl Element {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    /// A numeric attribute; panics naming it when it is missing or not a number.
    pub fn num(&self, name: &str) -> f64 {
        self.attr(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("attribute {name} is not a number in {:?}", self.attrs))
    }

    /// Whether its class list holds `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }

    /// The text of its `<title>` child, if any.
    pub fn title(&self) -> Option<String> {
        elements(&self.inner, "title")
            .first()
            .map(|t| unescape(&strip_tags(&t.inner)))
    }

    /// Its text without its `<title>`: what the page shows.
    pub fn shown_text(&self) -> String {
        let mut rest = self.inner.as_str();
        let mut out = String::new();
        while let Some(start) = rest.find("<title>") {
            out.push_str(&rest[..start]);
            rest = rest[start..]
                .find("</title>")
                .map_or("", |end| &rest[start + end + "</title>".len()..]);
        }
        out.push_str(rest);
        unescape(&strip_tags(&out))
    }
}

/// Every element named `tag` in `html`, in document order (such elements must not nest).
pub fn elements(html: &str, tag: &str) -> Vec<Element> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        if !after.starts_with([' ', '>', '/', '\n', '\t']) {
            rest = after;
            continue;
        }
        let (attrs, body) = attributes(after);
        let (inner, next) = match body.find(&close) {
            Some(end) => (&body[..end], &body[end + close.len()..]),
            None => ("", body),
        };
        out.push(Element {
            attrs,
            inner: inner.to_string(),
        });
        rest = next;
    }
    out
}

/// Reads attributes up to the end of a start tag; returns them and what follows the tag.
fn attributes(s: &str) -> (BTreeMap<String, String>, &str) {
    let mut attrs = BTreeMap::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("/>") {
            return (attrs, r);
        }
        if let Some(r) = rest.strip_prefix('>') {
            return (attrs, r);
        }
        let name_end = rest
            .find(|c: char| c == '=' || c == '>' || c == '/' || c.is_whitespace())
            .expect("a start tag ends");
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let value = if let Some(r) = rest.strip_prefix('=') {
            let quote = r.chars().next().expect("an attribute value");
            assert!(quote == '"' || quote == '\'', "unquoted attribute {name}");
            let end = r[1..].find(quote).expect("a closed attribute value");
            rest = &r[end + 2..];
            unescape(&r[1..=end])
        } else {
            String::new()
        };
        attrs.insert(name, value);
    }
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Undoes the character references Chromium's serialiser writes.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// One bar of a chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Position and size in the chart's view box.
    pub x: f64,
    /// See `x`.
    pub y: f64,
    /// See `x`.
    pub w: f64,
    /// See `x`.
    pub h: f64,
    /// `#4e79a7`.
    pub fill: String,
    /// Its tooltip.
    pub title: String,
}

/// One `<svg class="chart">`.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its id.
    pub id: String,
    /// View box width.
    pub view_w: f64,
    /// View box height.
    pub view_h: f64,
    /// Its `rect.bar` elements.
    pub bars: Vec<Bar>,
    /// Its `<text>` elements.
    pub texts: Vec<Element>,
}

/// Every chart in the page, in order.
pub fn charts(dom: &str) -> Vec<Chart> {
    elements(dom, "svg")
        .into_iter()
        .filter(|svg| svg.has_class("chart"))
        .map(|svg| {
            let view: Vec<f64> = svg
                .attr("viewbox")
                .expect("a chart has a view box")
                .split_whitespace()
                .map(|n| n.parse().expect("a view box number"))
                .collect();
            let bars = elements(&svg.inner, "rect")
                .into_iter()
                .filter(|r| r.has_class("bar"))
                .map(|r| Bar {
                    x: r.num("x"),
                    y: r.num("y"),
                    w: r.num("width"),
                    h: r.num("height"),
                    fill: r.attr("fill").unwrap_or_default().to_ascii_lowercase(),
                    title: r.title().unwrap_or_default(),
                })
                .collect();
            Chart {
                id: svg.attr("id").unwrap_or_default().to_string(),
                view_w: view[2],
                view_h: view[3],
                bars,
                texts: elements(&svg.inner, "text"),
            }
        })
        .collect()
}
