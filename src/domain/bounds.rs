//! Bounded lists: every list answers one page of a size the server caps. And where the console opens
//! for an account with no region chosen.

use super::{Refusal, Site};

/// The most items one page may hold (the real API's MaxResults is 1-100).
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller names none (the real API's default MaxResults).
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// One page of a list, as asked for: 1-based page number and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub page_size: u32,
}

impl PageRequest {
    /// The first page when nothing is given; a page size outside 1..=[`MAX_PAGE_SIZE`] or a page below 1
    /// is refused rather than quietly changed, so a caller never mistakes a cut list for the whole.
    pub fn parse(page: Option<i64>, page_size: Option<i64>) -> Result<PageRequest, Refusal> {
        let page_size = match page_size {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=i64::from(MAX_PAGE_SIZE)).contains(&n) => n as u32,
            Some(_) => return Err(Refusal::InvalidPageSize { max: MAX_PAGE_SIZE }),
        };
        let page = match page {
            None => 1,
            // Far beyond any list: keeps the offset well inside i64.
            Some(n) if (1..=1_000_000).contains(&n) => n as u32,
            Some(_) => return Err(Refusal::InvalidPageNumber),
        };
        Ok(PageRequest { page, page_size })
    }

    pub fn limit(self) -> i64 {
        i64::from(self.page_size)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }
}

/// The region the console shows when none is chosen: the account's site's main region (an
/// international account has nothing in Hangzhou).
pub fn home_region(site: Site) -> &'static str {
    match site {
        Site::China => "cn-hangzhou",
        Site::International => "ap-southeast-1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_paging_arguments_mean_the_first_page_of_the_default_size() {
        assert_eq!(PageRequest::parse(None, None), Ok(PageRequest { page: 1, page_size: DEFAULT_PAGE_SIZE }));
    }

    #[test]
    fn a_page_size_above_the_cap_is_refused() {
        assert_eq!(PageRequest::parse(None, Some(101)).unwrap_err().code(), "InvalidParameter.MaxResults");
        assert!(PageRequest::parse(None, Some(100)).is_ok());
    }

    #[test]
    fn a_page_size_or_number_below_one_is_refused() {
        assert_eq!(PageRequest::parse(None, Some(0)).unwrap_err().code(), "InvalidParameter.MaxResults");
        assert_eq!(PageRequest::parse(Some(0), None).unwrap_err().code(), "InvalidParameter.PageNumber");
        assert_eq!(PageRequest::parse(Some(-3), None).unwrap_err().code(), "InvalidParameter.PageNumber");
        assert_eq!(PageRequest::parse(Some(i64::MAX), None).unwrap_err().code(), "InvalidParameter.PageNumber");
    }

    #[test]
    fn the_third_page_of_ten_skips_twenty_items() {
        let p = PageRequest::parse(Some(3), Some(10)).unwrap();
        assert_eq!((p.limit(), p.offset()), (10, 20));
    }

    #[test]
    fn an_international_account_opens_in_singapore() {
        assert_eq!(home_region(Site::International), "ap-southeast-1");
        assert_eq!(home_region(Site::China), "cn-hangzhou");
    }
}
