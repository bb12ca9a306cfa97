//! Browser tests: headless Chromium (Debian's `chromium` and `chromium-driver`) drives a
//! checkout page served from another origin that embeds the banner or the iframe embed.

mod accessibility;
mod console;
mod embed;
mod helpers;
mod hostile_text;
mod mirror;
mod widget;
