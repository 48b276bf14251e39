/// The dashboard's page chrome: the document, the navigation, and the login and message pages.
enum DashboardLayout {
    enum Tab: String, CaseIterable, Sendable {
        case models, spend, policy, audit, keys

        var title: String {
            switch self {
            case .models: "Models"
            case .spend: "Spend"
            case .policy: "Policy"
            case .audit: "Audit"
            case .keys: "Keys"
            }
        }
    }

    /// A whole HTML document.
    static func document(title: String, head: String = "", body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · Ajar</title><link rel="stylesheet" href="/ui/assets/app.css">
        <script src="/ui/assets/app.js" defer></script>\(head)</head>
        <body>\(body)</body></html>
        """
    }

    /// A dashboard page: navigation, then `body` (already HTML).
    static func page(tab: Tab, csrf: String?, body: String) -> String {
        var nav = "<header class=\"top\"><a class=\"brand\" href=\"/ui\">Ajar</a><nav>"
        for item in Tab.allCases {
            let current = item == tab ? " aria-current=\"page\"" : ""
            nav += "<a href=\"/ui/\(item.rawValue)\"\(current)>\(item.title)</a>"
        }
        nav += "</nav>"
        if let csrf {
            nav +=
                "<form method=\"post\" action=\"/ui/logout\" class=\"logout\">\(csrfField(csrf))"
                + "<button type=\"submit\">Log out</button></form>"
        }
        nav += "</header>"
        let meta = csrf.map { "<meta name=\"ajar-csrf\" content=\"\(HTML.escape($0))\">" } ?? ""
        return document(title: tab.title, head: meta, body: nav + "<main id=\"\(tab.rawValue)\">" + body + "</main>")
    }

    static func csrfField(_ csrf: String?) -> String {
        guard let csrf else { return "" }
        return "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf))\">"
    }

    static func login(next: String, error: String?) -> String {
        let problem = error.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
        return document(
            title: "Log in",
            body: """
                <main class="login"><h1>Ajar</h1><p>Log in with the admin key (AJAR_ADMIN_KEY).</p>\(problem)
                <form method="post" action="/ui/login"><input type="hidden" name="next" value="\(HTML.escape(next))">
                <label>Admin key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
                <button type="submit">Log in</button></form></main>
                """)
    }

    /// A page with one message and no data.
    static func message(title: String, text: String) -> String {
        document(
            title: title,
            body: "<main class=\"login\"><h1>\(HTML.escape(title))</h1><p class=\"notice\">\(HTML.escape(text))</p>"
                + "<p><a href=\"/ui\">Dashboard</a></p></main>")
    }

    /// A problem shown in place of a page's content.
    static func problem(_ text: String) -> String {
        "<p class=\"error\" role=\"alert\">\(HTML.escape(text))</p>"
    }

    /// A table from escaped-by-the-caller cells: `headers` are plain text, `rows` are HTML.
    static func table(_ headers: [String], _ rows: [[String]], empty: String = "Nothing yet.", id: String? = nil)
        -> String
    {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(HTML.escape(empty))</p>" }
        var out = "<table\(id.map { " id=\"\(HTML.escape($0))\"" } ?? "")><thead><tr>"
        for header in headers { out += "<th>\(HTML.escape(header))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table>"
    }
}
