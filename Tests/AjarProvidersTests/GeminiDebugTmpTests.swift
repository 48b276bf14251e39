import AjarCore
import AjarProviders
import Testing

@Suite struct GeminiDebugTmpTests {
    @Test func dbg() {
        let s: JSON = ["oneOf": [["type": "string"], ["type": "number"]]]
        print("OUT", GeminiWire.geminiSchema(s).text)
    }
}
