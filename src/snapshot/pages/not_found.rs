//! The page for an address that shows nothing (`errors/not_found.html`).

use askama::Template;

use super::PageContext;
use super::layout::Layout;

#[derive(Template)]
#[template(path = "errors/not_found.html")]
pub struct NotFoundPage<'a> {
    pub layout: Layout<'a>,
}

impl<'a> PageContext<'a> {
    pub fn not_found(&self) -> NotFoundPage<'a> {
        NotFoundPage {
            layout: self.layout(self.t.not_found_title.to_string(), "/", None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PageContext;
    use crate::domain::Lang;
    use crate::snapshot::fixture::{World, settings};

    #[test]
    fn the_not_found_page_points_home_and_claims_no_update_time() {
        let w = World::new();
        let (model, settings) = (w.model(), settings());
        let en = PageContext::new(&model, &settings, Lang::En).not_found();
        assert_eq!(en.layout.title, "Page not found");
        assert_eq!(en.layout.home_url, "/en/");
        assert!(en.layout.updated.is_none());
    }
}
