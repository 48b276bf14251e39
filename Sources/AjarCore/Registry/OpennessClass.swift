/// How open a model is, on an ordered scale: `closed` < `open-weights` < `open-model` <
/// `open-tooling` < `open-science`.
///
/// The last three are the three classes of the Model Openness Framework (MOF, LF AI & Data,
/// arXiv:2403.13784): Class III *Open Model*, Class II *Open Tooling*, Class I *Open Science*.
/// `open-weights` sits below them for models whose weights can be downloaded but that miss what
/// MOF Class III asks for (an open licence, the documentation). ``OpennessRecord/opennessClass``
/// derives the class from a record.
package enum OpennessClass: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// Weights not downloadable: a vendor API only.
    case closed
    /// Weights downloadable under any licence, including restrictive ones.
    case openWeights = "open-weights"
    /// MOF Class III: open weights and architecture under an open licence, documented (model card,
    /// data card, technical report, evaluation results).
    case openModel = "open-model"
    /// MOF Class II: Class III plus open code (training, inference, evaluation, supporting libraries).
    case openTooling = "open-tooling"
    /// MOF Class I: Class II plus open training data (datasets, preprocessing code) and the research paper.
    case openScience = "open-science"

    /// Position on the scale, 0 for `closed`.
    package var rank: Int {
        switch self {
        case .closed: 0
        case .openWeights: 1
        case .openModel: 2
        case .openTooling: 3
        case .openScience: 4
        }
    }

    package static func < (lhs: OpennessClass, rhs: OpennessClass) -> Bool {
        lhs.rank < rhs.rank
    }
}
