import Foundation
import AjarInference

/// Whether the engine was compiled optimised. Tests that run the whole model take minutes per
/// prompt unoptimised; the package compiles AjarInference with `-O` in debug builds too, so they
/// run in the default `./scripts/test` (not with `AJAR_DEBUG_ENGINE=1`).
let isOptimizedBuild = BuildInfo.isOptimized

/// The repository's `models/` copy of the default chat model (scripts/fetch-models).
let defaultModelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

/// The model is present and the build is optimised.
let canRunWholeModel = isOptimizedBuild && FileManager.default.fileExists(atPath: defaultModelPath)
