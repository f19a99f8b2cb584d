//! The portal's two languages. Every string a page shows comes from [`text`], so a page never
//! mixes them; the choice is a cookie, set by the language switch on every page.

/// A language the portal speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

pub const LANG_COOKIE: &str = "bonded_lang";

impl Lang {
    /// The language a cookie value names; Vietnamese by default.
    pub fn from_cookie(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The string `key` in this language; the key itself if the table lacks it.
    pub fn t(self, key: &str) -> &'static str {
        let found = TEXTS.iter().find(|(k, _, _)| *k == key);
        match (found, self) {
            (Some((_, vi, _)), Lang::Vi) => vi,
            (Some((_, _, en)), Lang::En) => en,
            (None, _) => "?",
        }
    }
}

/// Key, Vietnamese, English.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "app",
        "bonded: giám sát gia công, SXXK, chế xuất",
        "bonded: processing-trade supervision",
    ),
    ("switch", "English", "Tiếng Việt"),
    ("sign_in", "Đăng nhập", "Sign in"),
    ("sign_out", "Đăng xuất", "Sign out"),
    ("user", "Tên đăng nhập", "User name"),
    ("password", "Mật khẩu", "Password"),
    (
        "bad_credentials",
        "Sai tên đăng nhập hoặc mật khẩu.",
        "Unknown user or wrong password.",
    ),
    ("signed_in_as", "Đăng nhập với", "Signed in as"),
    ("dashboard", "Bảng điều khiển hải quan", "Customs dashboard"),
    ("enterprises", "Doanh nghiệp", "Enterprises"),
    ("enterprise", "Doanh nghiệp", "Enterprise"),
    ("name", "Tên", "Name"),
    ("group", "Nhóm", "Group"),
    ("aeo", "DN ưu tiên (AEO)", "AEO"),
    ("yes", "Có", "Yes"),
    ("no", "Không", "No"),
    ("clearance", "Kết luận", "Clearance"),
    ("declarations", "Tờ khai", "Declarations"),
    ("number", "Số tờ khai", "Number"),
    ("type", "Loại hình", "Type"),
    ("date", "Ngày", "Date"),
    ("lines", "Số dòng hàng", "Lines"),
    (
        "verdicts",
        "Kết quả kiểm tra bảo mật",
        "Confidential verdicts",
    ),
    ("block", "Khối", "Block"),
    ("critical", "Nghiêm trọng", "Critical"),
    ("warning", "Cảnh báo", "Warning"),
    ("not_evaluable", "Chưa đánh giá được", "Not evaluable"),
    ("chain", "Sổ cái", "Ledger"),
    ("channel", "Kênh", "Channel"),
    ("height", "Chiều cao", "Height"),
    ("head", "Mã băm khối cuối", "Head hash"),
    ("transactions", "Giao dịch", "Transactions"),
    (
        "audit",
        "Kiểm toán: các kênh của sổ cái",
        "Audit: ledger channels",
    ),
    (
        "forbidden",
        "Bạn không có quyền xem trang này.",
        "You may not see this page.",
    ),
    ("not_found", "Không tìm thấy trang.", "No such page."),
    (
        "expired",
        "Phiên làm việc đã hết hạn, hãy đăng nhập lại.",
        "Your session ended; sign in again.",
    ),
    (
        "forged",
        "Biểu mẫu không hợp lệ; hãy tải lại trang.",
        "The form is not valid; reload the page.",
    ),
    ("cleared", "Đạt", "Cleared"),
    ("not_compliant", "Không đạt", "Not compliant"),
    (
        "awaiting_confirmation",
        "Chờ hải quan xác nhận",
        "Awaiting confirmation",
    ),
    ("disagreement", "Kết quả không khớp", "Disagreement"),
    (
        "stale",
        "Có số liệu mới, cần kiểm tra lại",
        "Stale: new records",
    ),
    ("no_verdict", "Chưa kiểm tra", "No verdict yet"),
    ("none", "Chưa có.", "None yet."),
    ("compliant", "Đạt", "Compliant"),
    ("receipt", "Biên nhận", "Receipt"),
    ("regime", "Loại hình", "Regime"),
    ("run_verification", "Kiểm tra bảo mật ngay", "Run a confidential verification now"),
    ("verification_failed", "Không chạy được kiểm tra; xem nhật ký của nút.", "The verification could not run; see the node's log."),
    ("risk", "Mức rủi ro", "Risk"),
    ("high", "Cao", "High"),
    ("medium", "Trung bình", "Medium"),
    ("low", "Thấp", "Low"),
    ("contracts", "Hợp đồng gia công", "Processing contracts"),
    ("foreign_party", "Bên thuê gia công", "Foreign party"),
    ("validity", "Hiệu lực", "Validity"),
    ("movements", "Xuất nhập kho", "Warehouse movements"),
    ("item", "Mã hàng", "Item"),
    ("movement", "Loại", "Kind"),
    ("quantity", "Lượng", "Quantity"),
    ("reference", "Chứng từ", "Document"),
    ("issued_to_production", "Xuất kho để sản xuất", "Issued to production"),
    ("produced", "Nhập kho thành phẩm", "Produced"),
    ("other_issued", "Xuất kho khác", "Other issue"),
    ("other_out", "Xuất khác", "Other outflow"),
    ("scrap", "Phế liệu", "Scrap"),
    ("destroyed", "Tiêu hủy", "Destroyed"),
    ("stock_count", "Kiểm kê", "Stock count"),
    ("decisions", "Quyết định của hải quan", "Customs decisions"),
    ("record_decision", "Ghi quyết định", "Record a decision"),
    ("note", "Ghi chú", "Note"),
    ("officer", "Công chức", "Officer"),
    ("accept_report", "Chấp nhận báo cáo quyết toán", "Accept the finalization report"),
    ("request_explanation", "Yêu cầu giải trình", "Request an explanation"),
    ("open_inspection", "Kiểm tra tại trụ sở", "Open an inspection"),
    ("bad_decision", "Quyết định không hợp lệ hoặc không ghi được.", "The decision is not valid or could not be recorded."),
    ("access", "Ai đã xem gì", "Who saw what"),
    ("time", "Thời điểm", "Time"),
    ("page", "Trang", "Page"),
    ("status", "Kết quả", "Status"),
    ("transaction", "Giao dịch", "Transaction"),
    ("position", "Vị trí trong khối", "Position in block"),
    ("verify_receipt", "Kiểm tra biên nhận này", "Verify this receipt"),
    ("check_ok", "đúng", "holds"),
    ("check_failed", "SAI", "FAILS"),
    (
        "receipt_checks",
        "Bản ghi khớp mã băm giao dịch|Đường dẫn Merkle dẫn tới gốc của khối|Tiêu đề khối khớp mã băm khối, kênh và chiều cao|Chữ ký của đơn vị sắp xếp tin cậy",
        "The record hashes to the transaction hash|The Merkle path leads to the block's root|The header hashes to the block hash, with this channel and height|A trusted orderer signed the block",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        for (key, vi, en) in TEXTS {
            assert!(!vi.is_empty() && !en.is_empty(), "{key}");
            assert_eq!(Lang::Vi.t(key), *vi);
            assert_eq!(Lang::En.t(key), *en);
        }
        assert_eq!(Lang::from_cookie(Some("en")), Lang::En);
        assert_eq!(Lang::from_cookie(Some("xx")), Lang::Vi);
    }
}
