//! The fixed vocabulary a policy speaks: behaviour kinds, severities,
//! capacities, measures and citations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident = $s:literal, $vi:literal, $en:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $v,)* }
        impl $name {
            /// Every name, as written in policy files.
            pub const NAMES: &'static [&'static str] = &[$($s,)*];
            /// The stable name.
            pub fn name(self) -> &'static str { match self { $($name::$v => $s,)* } }
            /// The Vietnamese label.
            pub fn label_vi(self) -> &'static str { match self { $($name::$v => $vi,)* } }
            /// The English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en,)* } }
            /// Parses a stable name.
            pub fn from_name(s: &str) -> Option<Self> { match s { $($s => Some($name::$v),)* _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.name()) }
        }
    };
}

named_enum!(
    /// The avoidance behaviours of the typology (`shared/domain/sources.md` §11), numbered 1–16.
    Behaviour {
        /// 1. Đẩy việc lên cấp trên.
        UpwardPush = "upward_push", "đẩy việc thuộc thẩm quyền lên cấp trên", "pushing own-competence work up to a superior";
        /// 2. Đùn đẩy sang cơ quan khác.
        SidewaysPush = "sideways_push", "đùn đẩy việc sang cơ quan khác", "pushing work sideways to another agency";
        /// 3. Né tránh, không quyết định việc thuộc thẩm quyền.
        NonDecision = "non_decision", "né tránh, không quyết định việc thuộc thẩm quyền", "avoiding a decision within one's competence";
        /// 4. Lạm dụng lấy ý kiến phối hợp.
        ConsultationAbuse = "consultation_abuse", "lạm dụng xin ý kiến, lấy ý kiến phối hợp", "abusing consultation";
        /// 5. Chậm tham gia ý kiến, không có chính kiến.
        LateOrVagueReply = "late_or_vague_reply", "chậm tham gia ý kiến hoặc không rõ chính kiến", "late or position-less coordination reply";
        /// 6. Thiếu phối hợp.
        NonCooperation = "non_cooperation", "thiếu phối hợp", "weak coordination";
        /// 7. Không dám tham mưu, đề xuất.
        NoProposal = "no_proposal", "không dám tham mưu, đề xuất", "not daring to advise or propose";
        /// 8. Sợ trách nhiệm, không dám làm việc mới, khó.
        RiskAversion = "risk_aversion", "sợ trách nhiệm, không dám làm việc mới, khó", "fear of responsibility on new or difficult work";
        /// 9. Làm việc cầm chừng.
        MinimalEffort = "minimal_effort", "làm việc cầm chừng", "working at a crawl";
        /// 10. Ngại va chạm, im lặng trong họp, đánh giá.
        Silence = "silence", "ngại va chạm, không phát biểu chính kiến", "silence in meetings and reviews";
        /// 11. Chỉ đạo chung chung, giao việc không rõ.
        VagueDirection = "vague_direction", "chỉ đạo chung chung, giao việc không rõ", "vague direction or unclear assignment";
        /// 12. Không giải quyết kiến nghị của cấp dưới.
        UnresolvedSubordinateRequest = "unresolved_subordinate_request", "không kịp thời giải quyết kiến nghị của cấp dưới", "subordinate's request left unresolved";
        /// 13. Không kiểm tra, đôn đốc.
        NoFollowUp = "no_follow_up", "không kiểm tra, đôn đốc", "no checking or urging";
        /// 14. Quan liêu, xa dân.
        Unresponsiveness = "unresponsiveness", "quan liêu, chậm giải quyết kiến nghị của người dân", "bureaucratic unresponsiveness to citizens";
        /// 15. Kéo dài thời gian giải quyết thủ tục hành chính.
        DossierStalling = "dossier_stalling", "kéo dài thời gian giải quyết thủ tục hành chính", "stalling an administrative dossier";
        /// 16. Ủy quyền lại, né ký.
        SignatureAvoidance = "signature_avoidance", "ủy quyền lại hoặc né ký", "re-delegation or signature avoidance";
    }
);

named_enum!(
    /// How serious a finding is.
    Severity {
        /// Ít nghiêm trọng.
        Minor = "minor", "ít nghiêm trọng", "minor";
        /// Nghiêm trọng vừa.
        Moderate = "moderate", "đáng kể", "moderate";
        /// Nghiêm trọng.
        Serious = "serious", "nghiêm trọng", "serious";
    }
);

named_enum!(
    /// In what capacity an official is accountable for a step.
    Capacity {
        /// Trực tiếp: the assignee or the actor.
        Direct = "direct", "trách nhiệm trực tiếp", "direct";
        /// Cấp phó phụ trách lĩnh vực.
        Deputy = "deputy", "cấp phó phụ trách lĩnh vực", "deputy in charge of the field";
        /// Người đứng đầu, liên đới.
        JointHead = "joint_head", "người đứng đầu (liên đới)", "head of the unit (joint)";
        /// Người ủy quyền.
        Delegator = "delegator", "người ủy quyền", "delegator";
        /// Quyền người đứng đầu, phụ trách.
        ActingHead = "acting_head", "người được giao phụ trách", "acting head";
        /// Tập thể quyết định.
        Collective = "collective", "thành viên tập thể quyết định", "member of the deciding collective";
        /// Cấp trên đã ra mệnh lệnh (sau khi cấp dưới báo cáo bằng văn bản).
        OrderingSuperior = "ordering_superior", "cấp trên ra quyết định", "superior who gave the order";
        /// Cơ quan được lấy ý kiến, không trả lời đúng hạn (coi như đồng ý).
        DeemedConsent = "deemed_consent", "cơ quan được lấy ý kiến (coi như đồng ý)", "consulted unit deemed to consent";
    }
);

named_enum!(
    /// What a finding leads to.
    Measure {
        /// Nhắc nhở.
        Reminder = "reminder", "nhắc nhở", "reminder";
        /// Kiểm điểm.
        SelfCriticism = "self_criticism", "kiểm điểm", "self-criticism review";
        /// Giới hạn mức xếp loại năm.
        GradeCap = "grade_cap", "không xếp loại cao hơn mức", "cap on the yearly grade";
        /// Xem xét thay thế, điều chuyển.
        TransferOrReplacement = "transfer_or_replacement", "xem xét thay thế, điều chuyển", "consideration for transfer or replacement";
        /// Trách nhiệm liên đới của người đứng đầu.
        HeadJointResponsibility = "head_joint_responsibility", "trách nhiệm liên đới của người đứng đầu", "head's joint responsibility";
        /// Xem xét xử lý kỷ luật (do cấp có thẩm quyền).
        DisciplineConsideration = "discipline_consideration", "xem xét xử lý kỷ luật theo thẩm quyền", "discipline to be considered by the competent body";
        /// Coi như đồng ý và chịu trách nhiệm.
        DeemedConsent = "deemed_consent", "coi như đồng ý và chịu trách nhiệm", "deemed consent with responsibility";
        /// Xin lỗi công dân.
        Apology = "apology", "xin lỗi người dân", "apology to the citizen";
        /// Xem xét cho thôi giữ chức vụ (Quy định 377-QĐ/TW).
        RelieveFromPost = "relieve_from_post", "xem xét cho thôi giữ chức vụ", "consideration for relief from post";
        /// Trừ điểm tiến độ của sản phẩm trễ hạn (Nghị định 335/2025/NĐ-CP).
        ScoreDeduction = "score_deduction", "trừ 25% điểm tiến độ của sản phẩm trễ hạn", "deduction of 25% of the late item's progress points";
    }
);

named_enum!(
    /// The four yearly grades.
    Grade {
        /// Hoàn thành xuất sắc nhiệm vụ.
        Excellent = "excellent", "hoàn thành xuất sắc nhiệm vụ", "excellent";
        /// Hoàn thành tốt nhiệm vụ.
        Good = "good", "hoàn thành tốt nhiệm vụ", "good";
        /// Hoàn thành nhiệm vụ.
        Completed = "completed", "hoàn thành nhiệm vụ", "completed";
        /// Không hoàn thành nhiệm vụ.
        NotCompleted = "not_completed", "không hoàn thành nhiệm vụ", "failed to complete";
    }
);

/// Where a rule comes from: document, issuer, date, article, clause, point.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Citation {
    /// The document's number and type, e.g. `Công điện 280/CĐ-TTg`.
    pub document: String,
    /// Who issued it.
    pub issuer: String,
    /// When it was issued.
    pub date: Option<NaiveDate>,
    /// Điều (article), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// Khoản (clause), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// Điểm (point), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<String>,
    /// Whether the text was confirmed; `false` says it could not be.
    pub verified: bool,
    /// What could not be confirmed, or other remarks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Citation {
    /// The citation in Vietnamese legal style: `Điểm a Khoản 2 Điều 10 Nghị định 157/2007/NĐ-CP`.
    pub fn render_vi(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.point {
            parts.push(format!("điểm {p}"));
        }
        if let Some(c) = &self.clause {
            parts.push(format!("khoản {c}"));
        }
        if let Some(a) = &self.article {
            parts.push(format!("Điều {a}"));
        }
        parts.push(self.document.clone());
        let mut s = parts.join(" ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + s.get(1..).unwrap_or("");
        }
        if !self.verified {
            s.push_str(" [chưa xác minh văn bản]");
        }
        s
    }
    /// The citation in English: `Decree …, Art. 10(2)(a)`.
    pub fn render_en(&self) -> String {
        let mut s = self.document.clone();
        if let Some(a) = &self.article {
            s.push_str(&format!(", Art. {a}"));
            if let Some(c) = &self.clause {
                s.push_str(&format!("({c})"));
            }
            if let Some(p) = &self.point {
                s.push_str(&format!("({p})"));
            }
        }
        if !self.verified {
            s.push_str(" [text not confirmed]");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_citations() {
        let c = Citation {
            document: "Nghị định 157/2007/NĐ-CP".into(),
            issuer: "Chính phủ".into(),
            date: NaiveDate::from_ymd_opt(2007, 10, 27),
            article: Some("10".into()),
            clause: Some("3".into()),
            point: None,
            verified: false,
            note: None,
        };
        assert_eq!(
            c.render_vi(),
            "Khoản 3 Điều 10 Nghị định 157/2007/NĐ-CP [chưa xác minh văn bản]"
        );
        assert_eq!(
            c.render_en(),
            "Nghị định 157/2007/NĐ-CP, Art. 10(3) [text not confirmed]"
        );
    }

    #[test]
    fn names_round_trip() {
        for n in Behaviour::NAMES {
            assert_eq!(Behaviour::from_name(n).map(Behaviour::name), Some(*n));
        }
        assert_eq!(Behaviour::NAMES.len(), 16);
    }
}
