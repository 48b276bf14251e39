/// A model's chat template (`tokenizer.chat_template`): the Jinja program that turns a conversation into
/// the prompt text the model was trained on.
///
/// Implements the Jinja subset chat templates use (ChatML/SmolLM2, Llama 3, Mistral, Gemma, Phi-3, Qwen2):
/// `{{ }}`, `{% if/elif/else %}`, `{% for %}` with `loop.*`, `{% set %}` (also `ns.x` on a `namespace()`),
/// `break`/`continue`, literals, lists, dicts, attribute and item access, slices, the usual operators,
/// filters (`trim`, `length`, `tojson`, `selectattr`, …), tests (`is defined`, `is none`, `is string`, …),
/// whitespace control, and `raise_exception`. It renders as HF transformers does (jinja2 with
/// `trim_blocks` and `lstrip_blocks`). Anything else fails with a `ChatTemplateError` naming the construct
/// and its line and column, never a crash or a silently different prompt.
///
/// Parsed once; rendering is pure, so a template can be shared across tasks.
package struct ChatTemplate: Sendable {
    /// The template text.
    package let source: String
    private let nodes: [TemplateNode]
    private let lexer: TemplateLexer

    /// Parses a template.
    /// - Parameter source: the Jinja text, e.g. the GGUF `tokenizer.chat_template` value.
    /// - Throws: `ChatTemplateError.syntax` or `.unsupported`, with the position.
    package init(source: String) throws(ChatTemplateError) {
        let lexer = TemplateLexer(source: source)
        var parser = TemplateParser(segments: try lexer.tokenize(), lexer: lexer)
        self.nodes = try parser.parse()
        self.lexer = lexer
        self.source = source
    }

    /// Renders a conversation into prompt text.
    /// - Parameters:
    ///   - messages: the conversation, oldest first; each becomes `{"role": …, "content": …}` in `messages`.
    ///   - addGenerationPrompt: end with the header of an assistant turn (`add_generation_prompt`).
    ///   - bosToken: the text of the BOS token (`bos_token`), e.g. `<|begin_of_text|>`.
    ///   - eosToken: the text of the EOS token (`eos_token`).
    ///   - variables: extra variables (e.g. `tools`); the four above win over same-named ones here.
    ///     `tools` and `documents` are `none` unless given, as transformers passes them.
    /// - Returns: the prompt text; encode it with special tokens parsed. Many templates (Llama 3, Mistral,
    ///   Gemma) write `bos_token` themselves: encode those with `addSpecial: false`, or drop the leading
    ///   BOS text first (llama.cpp does the latter), or the prompt starts with two BOS tokens.
    /// - Throws: `ChatTemplateError.raised` when the template rejects the conversation, or another
    ///   `ChatTemplateError` when the template misbehaves.
    package func render(
        messages: [(role: String, content: String)], addGenerationPrompt: Bool, bosToken: String, eosToken: String,
        variables: [String: TemplateValue] = [:]
    ) throws(ChatTemplateError) -> String {
        var context = variables
        // transformers passes these as None when the caller has none, so templates see them as defined.
        for name in ["tools", "documents"] where context[name] == nil { context[name] = TemplateValue.none }
        context["messages"] = .array(
            messages.map {
                .dictionary(TemplateDictionary([("role", .string($0.role)), ("content", .string($0.content))]))
            })
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        context["bos_token"] = .string(bosToken)
        context["eos_token"] = .string(eosToken)
        var interpreter = TemplateInterpreter(lexer: lexer, variables: context)
        return try interpreter.render(nodes)
    }
}
