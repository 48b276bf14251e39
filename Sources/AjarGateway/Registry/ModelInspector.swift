import AjarCore
import AjarInference
import Foundation

/// Derives a registry card from a model file itself: GGUF metadata (`general.license`,
/// `general.organization`, `general.name`, `general.base_model.N.*`, `general.source.url`) or,
/// for a safetensors model folder, Hugging Face's `config.json` and the README's front matter
/// (`license`, `datasets`, `base_model`). What a file cannot prove stays at its most closed value
/// (code, training data) for the operator to raise after checking.
package enum ModelInspector {
    /// What `ajar models add` learned about a file.
    package struct Inspection: Sendable {
        package var alias: String
        package var card: ModelCard
        /// The path as the config should name it.
        package var path: String
    }

    package enum InspectionError: Error, CustomStringConvertible {
        case unreadable(String)
        package var description: String {
            switch self {
            case .unreadable(let message): message
            }
        }
    }

    /// Inspects `path` (a `.gguf` file or a folder with `model.safetensors`) and hashes its weights.
    /// - Parameter progress: Bytes hashed so far and the total, for a progress bar.
    package static func inspect(path: String, alias: String? = nil, provider: String = "local",
                                progress: ((Int64, Int64) -> Void)? = nil) throws -> Inspection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InspectionError.unreadable("\(path): no such file or folder")
        }
        let weights = isDirectory.boolValue ? (path as NSString).appendingPathComponent("model.safetensors") : path
        let total = ((try? FileManager.default.attributesOfItem(atPath: weights))?[.size] as? NSNumber)?.int64Value ?? 0
        let sha256: String
        do {
            sha256 = try ModelPin.sha256(path: weights) { progress?($0, total) }
        } catch {
            throw InspectionError.unreadable("\(weights): cannot be read (\(error.localizedDescription))")
        }
        var card = isDirectory.boolValue ? try folderCard(path) : try ggufCard(path)
        card.provider = provider
        card.hosting = .local
        card.provenance = Provenance(
            source: card.provenance?.source, baseModel: card.provenance?.baseModel, revision: card.provenance?.revision,
            sha256: sha256)
        let name = alias ?? defaultAlias(path)
        card.alias = name
        return Inspection(alias: name, card: card, path: path)
    }

    /// `smollm2-135m-instruct.q4_1` style: the file name, lower-cased, without extension.
    static func defaultAlias(_ path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for suffix in [".gguf", ".safetensors"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
        return name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" }.map(String.init).joined()
    }

    static func ggufCard(_ path: String) throws -> ModelCard {
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw InspectionError.unreadable("\(path): not a readable GGUF file (\(error))")
        }
        let licence = file["general.license"]?.string
        var baseModel: String?
        if let name = file["general.base_model.0.name"]?.string {
            let organization = file["general.base_model.0.organization"]?.string
            baseModel = organization.map { "\($0)/\(name)" } ?? name
        }
        let source = file["general.source.url"]?.string ?? file["general.url"]?.string ?? file["general.repo_url"]?.string
        let name = file["general.name"]?.string
        let organization = file["general.organization"]?.string
        var card = ModelCard(alias: "", provider: "local", hosting: .local, openness: record(licence: licence))
        card.contextWindow = file["\(file["general.architecture"]?.string ?? "llama").context_length"]?.int
        card.provenance = Provenance(
            source: source ?? organization.map { org in "\(org)\(name.map { " / \($0)" } ?? "")" }, baseModel: baseModel,
            revision: file["general.version"]?.string)
        return card
    }

    static func folderCard(_ path: String) throws -> ModelCard {
        let readme = (try? String(contentsOfFile: (path as NSString).appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        let front = frontMatter(readme)
        let licence = front["license"]?.first
        var openness = record(licence: licence)
        if !readme.isEmpty { openness.documentation = .partial }
        if front["datasets"]?.isEmpty == false { openness.trainingData = .partial }
        var card = ModelCard(alias: "", provider: "local", hosting: .local, openness: openness, capabilities: [.embeddings])
        if let data = FileManager.default.contents(atPath: (path as NSString).appendingPathComponent("config.json")),
            let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            card.contextWindow = config["max_position_embeddings"] as? Int
            if let architectures = config["architectures"] as? [String], !architectures.contains(where: { $0.hasPrefix("Bert") }) {
                card.capabilities = []
            }
        }
        card.provenance = Provenance(baseModel: front["base_model"]?.first)
        return card
    }

    /// Weights published in a file one can download are `open` under an open licence and
    /// `restricted` otherwise; documentation counts as `partial` (a model card may exist, but the
    /// file alone does not show it). Code and training data cannot be told from a file.
    static func record(licence: String?) -> OpennessRecord {
        var record = OpennessRecord(weights: .restricted, licence: licence.map(spdx) ?? OpennessRecord.proprietary)
        if record.hasOpenLicence { record.weights = .open }
        record.documentation = .partial
        return record
    }

    /// `apache-2.0` → `Apache-2.0`, `mit` → `MIT`: the usual SPDX spelling of common ids.
    static func spdx(_ id: String) -> String {
        let known = ["apache-2.0": "Apache-2.0", "mit": "MIT", "bsd-3-clause": "BSD-3-Clause", "cc-by-4.0": "CC-BY-4.0",
                     "cc0-1.0": "CC0-1.0", "gpl-3.0": "GPL-3.0", "mpl-2.0": "MPL-2.0"]
        return known[id.lowercased()] ?? id
    }

    /// The keys of a README's YAML front matter with their values (a scalar, or a list's items).
    static func frontMatter(_ text: String) -> [String: [String]] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else { return [:] }
        var result: [String: [String]] = [:]
        var current: String?
        for line in lines.dropFirst() {
            if line.trimmingCharacters(in: .whitespaces) == "---" { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- "), let key = current {
                result[key, default: []].append(String(trimmed.dropFirst(2)).trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")))
            } else if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") {
                let key = String(line[..<colon])
                let value = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                current = key
                result[key] = value.isEmpty ? [] : [value]
            }
        }
        return result
    }

    /// The `models:` entry for an inspected file, as YAML lines indented for `models:`.
    package static func yamlEntry(_ inspection: Inspection) -> String {
        let card = inspection.card
        let o = card.openness
        var lines = [
            "  \(inspection.alias):",
            "    openness: {weights: \(o.weights.rawValue), code: \(o.code.rawValue), training_data: \(o.trainingData.rawValue), "
                + "documentation: \(o.documentation.rawValue), licence: \(o.licence)}",
        ]
        if let window = card.contextWindow { lines.append("    context_window: \(window)") }
        if !card.capabilities.isEmpty { lines.append("    capabilities: [\(card.capabilities.map(\.rawValue).sorted().joined(separator: ", "))]") }
        var provenance: [String] = []
        if let source = card.provenance?.source { provenance.append("      source: \(quoted(source))") }
        if let base = card.provenance?.baseModel { provenance.append("      base_model: \(quoted(base))") }
        if let revision = card.provenance?.revision { provenance.append("      revision: \(quoted(revision))") }
        if let sha = card.provenance?.sha256 { provenance.append("      sha256: \"\(sha)\"") }
        if !provenance.isEmpty { lines += ["    provenance:"] + provenance }
        lines += ["    deployments:", "      - provider: \(card.provider)", "        model: \(quoted(inspection.path))"]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `text` (an `ajar.yaml`) with `entry` added at the top of its `models:` section (a
    /// `models:` section is appended if there is none).
    package static func insert(_ entry: String, into text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.hasPrefix("models:") }) {
            lines.insert(contentsOf: entry.dropLast().components(separatedBy: "\n"), at: index + 1)
            return lines.joined(separator: "\n")
        }
        return text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n") + "models:\n" + entry
    }
}
