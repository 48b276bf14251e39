/// The engine's version.
package enum AjarInferenceVersion { package static let string = "0.1.0" }
