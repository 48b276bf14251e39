/// What of a model is published and under which licence; the input to ``opennessClass``.
///
/// A record is coarser than the Model Openness Framework's 16 components: it groups them the way a
/// model's publisher usually releases them. Missing keys decode to the most closed value, so a card
/// nobody filled in is `closed` (fail closed).
package struct OpennessRecord: Codable, Sendable, Equatable, Hashable {
    /// Whether the final weights can be downloaded.
    package enum Weights: String, Codable, Sendable, Hashable, CaseIterable {
        /// Downloadable under the record's ``OpennessRecord/licence``.
        case open
        /// Downloadable, but under use restrictions or an acceptable-use policy (a "community" licence).
        case restricted
        /// Not downloadable.
        case closed
    }

    /// How completely a group of components is published under an open licence.
    package enum Availability: String, Codable, Sendable, Hashable, CaseIterable {
        /// All of the group's components are published under an open licence.
        case open
        /// Some are, or all are but not under an open licence.
        case partial
        /// None are.
        case closed
    }

    /// The final weights (MOF: model parameters, final; model architecture).
    package var weights: Weights
    /// Training, inference and evaluation code and supporting libraries (MOF Class II components).
    package var code: Availability
    /// Training datasets and data preprocessing code (MOF Class I components).
    package var trainingData: Availability
    /// Model card, data card, technical report or research paper, evaluation results
    /// (MOF Class III documentation components).
    package var documentation: Availability
    /// The weights' licence as an SPDX identifier (`Apache-2.0`, `MIT`, `Llama-3.1`…), or `proprietary`.
    package var licence: String

    package init(
        weights: Weights = .closed,
        code: Availability = .closed,
        trainingData: Availability = .closed,
        documentation: Availability = .closed,
        licence: String = OpennessRecord.proprietary
    ) {
        self.weights = weights
        self.code = code
        self.trainingData = trainingData
        self.documentation = documentation
        self.licence = licence
    }

    /// The licence value for models under no public licence.
    package static let proprietary = "proprietary"

    /// SPDX identifiers (lower-cased) of the licences MOF accepts as open for weights: OSI-approved
    /// software licences and open data/content licences. Custom model licences (`llama3`,
    /// `gemma`, OpenRAIL variants) carry use restrictions and are not on the list.
    package static let openLicences: Set<String> = [
        "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "isc", "mpl-2.0", "unlicense", "0bsd",
        "gpl-2.0", "gpl-2.0-only", "gpl-2.0-or-later", "gpl-3.0", "gpl-3.0-only", "gpl-3.0-or-later",
        "lgpl-2.1", "lgpl-2.1-only", "lgpl-3.0", "lgpl-3.0-only", "agpl-3.0", "agpl-3.0-only", "epl-2.0",
        "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cdla-permissive-2.0", "cdla-permissive-1.0",
        "odc-by-1.0", "odbl-1.0", "pddl-1.0",
    ]

    /// Whether ``licence`` is on ``openLicences`` (compared case-insensitively).
    package var hasOpenLicence: Bool {
        Self.openLicences.contains(licence.lowercased())
    }

    /// The openness class this record earns. Each class requires everything the one below it does:
    ///
    /// | class | requires |
    /// | --- | --- |
    /// | `closed` | nothing (also: weights `closed`) |
    /// | `open-weights` | weights `open` or `restricted` |
    /// | `open-model` (MOF III) | weights `open`, licence on ``openLicences``, documentation `open` |
    /// | `open-tooling` (MOF II) | the above and code `open` |
    /// | `open-science` (MOF I) | the above and training data `open` |
    ///
    /// `partial` never earns a class above `open-weights` for the group it describes: MOF grants a
    /// class only when every component it lists is released under an open licence.
    package var opennessClass: OpennessClass {
        guard weights != .closed else { return .closed }
        guard weights == .open, hasOpenLicence, documentation == .open else { return .openWeights }
        guard code == .open else { return .openModel }
        guard trainingData == .open else { return .openTooling }
        return .openScience
    }

    private enum CodingKeys: String, CodingKey {
        case weights, code
        case trainingData = "training_data"
        case documentation, licence, license
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        weights = try container.decodeIfPresent(Weights.self, forKey: .weights) ?? .closed
        code = try container.decodeIfPresent(Availability.self, forKey: .code) ?? .closed
        trainingData = try container.decodeIfPresent(Availability.self, forKey: .trainingData) ?? .closed
        documentation = try container.decodeIfPresent(Availability.self, forKey: .documentation) ?? .closed
        // Both spellings: ajar.yaml says `licence`, GGUF and HF metadata say `license`.
        licence =
            try container.decodeIfPresent(String.self, forKey: .licence)
            ?? container.decodeIfPresent(String.self, forKey: .license) ?? Self.proprietary
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(weights, forKey: .weights)
        try container.encode(code, forKey: .code)
        try container.encode(trainingData, forKey: .trainingData)
        try container.encode(documentation, forKey: .documentation)
        try container.encode(licence, forKey: .licence)
    }
}
