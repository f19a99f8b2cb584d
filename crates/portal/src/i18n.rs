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

/// The texts the norm entry page's script shows, looked up from [`TEXTS`].
pub const NORM_MESSAGES: &[&str] = &[
    "m_row",
    "m_product_unknown",
    "m_material_unknown",
    "m_unit",
    "m_not_number",
    "m_norm_positive",
    "m_loss_range",
    "m_date",
    "m_valid_to_before",
    "m_duplicate",
    "m_empty",
    "m_unreadable",
    "m_no_header",
    "m_layout",
    "m_not_xlsx",
    "m_too_large",
    "m_skipped",
    "m_domestic",
    "m_no_norm",
    "m_read",
    "m_reading",
    "m_sealing",
    "m_sending",
    "m_sent",
    "m_failed",
    "m_nothing_sent",
    "f_product",
    "f_material",
    "f_norm",
    "f_loss",
    "f_valid_from",
    "f_valid_to",
    "f_empty",
];

/// The texts the upload page's script shows, looked up from [`TEXTS`].
pub const UPLOAD_MESSAGES: &[&str] = &[
    "u_sending",
    "u_reading",
    "u_failed",
    "u_error_row",
    "u_report_summary",
    "u_extract_summary",
    "u_recorded",
    "u_differs",
    "u_missing",
    "u_too_large",
    "u_no_verdict",
    "form",
    "row",
    "code",
    "closing_filed",
    "closing_ledger",
];

/// `keys` and their texts in `lang`, as a JSON object for a page's script.
pub fn messages_json(lang: Lang, keys: &[&str]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|key| (key.to_string(), lang.t(key).into()))
        .collect();
    serde_json::Value::Object(object).to_string()
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
    ("norms", "Định mức", "Norms"),
    ("my_norms", "Khai báo định mức", "Declare norms"),
    ("norms_secret", "Định mức là bí mật kinh doanh của doanh nghiệp: trang này mã hóa chúng ngay trong trình duyệt tới khóa đã chứng thực của enclave hải quan trước khi gửi. Máy chủ chỉ nhận cam kết và phong bì đã mã hóa.", "Norms are your trade secret: this page encrypts them in your browser to the customs enclave's attested key before anything is sent. The server receives only the commitment and the sealed envelope."),
    ("norms_cannot_send", "Chưa thể gửi: hải quan chưa đăng ký enclave, hoặc nút này không giữ khóa ký của doanh nghiệp.", "Cannot send yet: customs has registered no enclave, or this node holds no signing key for your enterprise."),
    ("mau16_upload", "Tải lên Mẫu 16 (.xlsx), hoặc nhập từng dòng bên dưới", "Upload Mẫu 16 (.xlsx), or enter the rows below"),
    ("valid_from", "Hiệu lực từ", "Valid from"),
    ("valid_to", "Hiệu lực đến", "Valid to"),
    ("row", "Dòng", "Row"),
    ("product", "Sản phẩm", "Product"),
    ("material", "Nguyên liệu, vật tư", "Material"),
    ("norm", "Định mức", "Norm"),
    ("loss_percent", "Hao hụt (%)", "Loss (%)"),
    ("loss_convention", "Cách tính hao hụt", "Loss convention"),
    ("included", "Đã gồm hao hụt", "Loss included"),
    ("percent_of_norm", "% của định mức", "% of the norm"),
    ("percent_of_gross", "% của lượng sử dụng", "% of gross use"),
    ("remove_row", "Xóa dòng", "Remove row"),
    ("add_row", "Thêm dòng", "Add a row"),
    ("seal_and_send", "Mã hóa và gửi", "Seal and send"),
    ("norm_versions", "Các phiên bản đã cam kết", "Committed versions"),
    ("version", "Phiên bản", "Version"),
    ("valid", "Hiệu lực", "Valid"),
    ("rows", "Số dòng", "Rows"),
    ("commitment", "Cam kết", "Commitment"),
    ("m_row", "Dòng {0}: {1}", "Row {0}: {1}"),
    ("m_product_unknown", "sản phẩm {0} chưa được đăng ký", "product {0} is not registered"),
    ("m_material_unknown", "nguyên liệu {0} chưa được đăng ký", "material {0} is not registered"),
    ("m_unit", "{0} được đăng ký theo đơn vị {1}, dòng này ghi {2}", "{0} is registered in {1}, the row says {2}"),
    ("m_not_number", "{0} không phải là số: {1}", "{0} is not a number: {1}"),
    ("m_norm_positive", "định mức phải lớn hơn 0", "the norm must be above zero"),
    ("m_loss_range", "hao hụt phải từ 0 đến dưới 100 %", "the loss must be from 0 to under 100 %"),
    ("m_date", "{0} không phải là ngày", "{0} is not a date"),
    ("m_valid_to_before", "ngày hết hiệu lực trước ngày bắt đầu", "valid to is before valid from"),
    ("m_duplicate", "lặp lại sản phẩm {0}, nguyên liệu {1}", "repeats product {0}, material {1}"),
    ("m_empty", "chưa có dòng định mức nào để gửi", "there are no norms to send"),
    ("m_unreadable", "ô {0} không đọc được", "cell {0} cannot be read"),
    ("m_no_header", "không trang tính nào có dòng tiêu đề của Mẫu 16", "no sheet has the header row of Mẫu 16"),
    ("m_layout", "phần lớn các dòng ghi mã chưa đăng ký: các cột không phải của Mẫu 16", "most rows name codes that are not registered: the columns are not Mẫu 16's"),
    ("m_not_xlsx", "tệp không phải là bảng tính .xlsx", "the file is not an .xlsx workbook"),
    ("m_too_large", "tệp lớn hơn {0} MB", "the file is larger than {0} MB"),
    ("m_skipped", "Dòng {0}: bỏ qua {1} ({2})", "Row {0}: {1} left out ({2})"),
    ("m_domestic", "nguyên liệu trong nước", "domestic material"),
    ("m_no_norm", "không xác định được định mức", "no norm can be set"),
    ("m_read", "Đã đọc {0} dòng từ {1}. Hãy kiểm tra rồi mã hóa và gửi.", "Read {0} rows from {1}. Check them, then seal and send."),
    ("m_reading", "Đang đọc tệp…", "Reading the file…"),
    ("m_sealing", "Đang mã hóa trong trình duyệt…", "Sealing in this browser…"),
    ("m_sending", "Đang gửi phong bì đã mã hóa…", "Sending the sealed envelope…"),
    ("m_sent", "Đã ghi nhận phiên bản {0}. Máy chủ chỉ nhận cam kết {1}… và phong bì đã mã hóa.", "Recorded as version {0}. The server received only the commitment {1}… and the sealed envelope."),
    ("m_failed", "Chưa ghi nhận: {0}", "Not recorded: {0}"),
    ("m_nothing_sent", "Chưa gửi gì: hãy sửa các dòng trên.", "Nothing was sent: correct the rows above."),
    ("f_product", "mã sản phẩm", "product code"),
    ("f_material", "mã nguyên liệu", "material code"),
    ("f_norm", "định mức", "norm"),
    ("f_loss", "hao hụt", "loss"),
    ("f_valid_from", "ngày hiệu lực", "valid from"),
    ("f_valid_to", "ngày hết hiệu lực", "valid to"),
    ("f_empty", "{0} để trống", "{0} is empty"),
    ("material_balance", "Cân đối nguyên liệu", "Material balance"),
    ("finalization_report", "Báo cáo quyết toán", "Finalization report"),
    ("imported", "Nhập khẩu", "Imported"),
    ("consumed_by_exports", "Tiêu hao theo hàng xuất khẩu", "Consumed by exports"),
    ("closing", "Tồn cuối kỳ", "Closing"),
    ("opening", "Tồn đầu kỳ", "Opening"),
    ("unexplained", "Chênh lệch chưa giải trình", "Unexplained"),
    ("unexplained_over_time", "Chênh lệch chưa giải trình qua các lần kiểm tra", "Unexplained, verdict by verdict"),
    ("unit", "ĐVT", "Unit"),
    ("findings", "Phát hiện", "Findings"),
    ("evidence", "Bằng chứng", "Evidence"),
    ("uploads", "Tải lên báo cáo", "Uploads"),
    ("upload_report", "Báo cáo quyết toán (Mẫu 15, 15a)", "Finalization report (Mẫu 15, 15a)"),
    ("upload_report_help", "Tệp .xlsx, .xls hoặc bảng tính XML. Các dòng được đối chiếu với số tồn cuối kỳ của lần kiểm tra gần nhất; không lưu gì.", "An .xlsx, .xls or XML spreadsheet. Its rows are compared with the closing stock of the newest verdict; nothing is stored."),
    ("upload_extract", "Báo cáo hàng chi tiết (tờ khai)", "Customs line extract (BaoCaoHangChiTiet)"),
    ("upload_extract_help", "Tệp .xlsx, .xls hoặc bảng tính XML từ hệ thống hải quan. Các tờ khai được đối chiếu với sổ cái.", "An .xlsx, .xls or XML spreadsheet from the customs system. Its declarations are compared with the ledger."),
    ("record_missing", "Ghi vào sổ cái các tờ khai còn thiếu (ký bởi hải quan)", "Record the declarations the ledger lacks (signed by customs)"),
    ("upload", "Tải lên", "Upload"),
    ("u_sending", "Đang tải lên… {0} %", "Uploading… {0} %"),
    ("u_reading", "Máy chủ đang đọc bảng tính…", "The server is reading the workbook…"),
    ("u_failed", "Không đọc được: {0}", "Not read: {0}"),
    ("u_error_row", "Trang {0}, dòng {1}: {2}", "Sheet {0}, row {1}: {2}"),
    ("u_report_summary", "Đã đọc {0} dòng; {1} dòng có lỗi.", "{0} rows read; {1} rows with errors."),
    ("u_extract_summary", "Đã đọc {0} dòng hàng thành {1} tờ khai; {2} dòng có lỗi. {3} tờ khai khớp sổ cái, {4} khác, {5} chưa có trên sổ cái.", "{0} goods lines read into {1} declarations; {2} rows with errors. {3} declarations as on the ledger, {4} different, {5} not on the ledger."),
    ("u_recorded", "Đã ghi {0} tờ khai vào sổ cái; {1} bị từ chối.", "{0} declarations recorded on the ledger; {1} refused."),
    ("u_differs", "Tờ khai {0}: {1}", "Declaration {0}: {1}"),
    ("u_missing", "Chưa có trên sổ cái: {0}", "Not on the ledger: {0}"),
    ("u_too_large", "Tệp lớn hơn {0} MB.", "The file is larger than {0} MB."),
    ("u_no_verdict", "chưa có kết luận", "no verdict yet"),
    ("form", "Mẫu", "Form"),
    ("code", "Mã", "Code"),
    ("closing_filed", "Tồn cuối kỳ đã khai", "Closing filed"),
    ("closing_ledger", "Tồn cuối kỳ theo sổ cái", "Closing per ledger"),
    (
        "check_withheld",
        "không hiển thị: kiểm toán viên không xem nội dung giao dịch",
        "withheld: auditors see no transaction contents",
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
