import Foundation

/// One line typed into `ajar chat`: a message for the model, or one of the chat's commands.
enum ChatInput: Equatable, Sendable {
    /// Text to send as the next user message.
    case message(String)
    /// `/model NAME`: answer with another model from now on.
    case model(String)
    /// `/model` alone: say which model is in use.
    case showModel
    /// `/reset`: forget the conversation so far.
    case reset
    /// `/exit` or `/quit` (end of input does the same).
    case exit
    /// `/help`: list the commands.
    case help
    /// A blank line: nothing to do.
    case empty
    /// A `/word` that is no command (sent nowhere, so a typo never reaches a model).
    case unknown(String)

    /// Reads one line. Surrounding whitespace is ignored; a line starting with `//` is a message
    /// that begins with `/` (the first slash dropped).
    init(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.first else {
            self = .empty
            return
        }
        guard first == "/" else {
            self = .message(trimmed)
            return
        }
        if trimmed.hasPrefix("//") {
            self = .message(String(trimmed.dropFirst()))
            return
        }
        let parts = trimmed.dropFirst().split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
        let command = parts.first.map { String($0).lowercased() } ?? ""
        let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        switch command {
        case "model", "m": self = argument.isEmpty ? .showModel : .model(argument)
        case "reset", "clear": self = .reset
        case "exit", "quit", "q": self = .exit
        case "help", "?": self = .help
        default: self = .unknown("/" + command)
        }
    }

    static let helpText = """
        /model NAME   answer with another model (/model alone: the current one)
        /reset        forget the conversation so far
        /exit         leave (Ctrl-D does the same)
        //text        send a message that starts with '/'
        """
}
