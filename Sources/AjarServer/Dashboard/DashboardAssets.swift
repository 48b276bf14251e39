/// The dashboard's stylesheet and script, kept here as text so the binary serves them with no
/// build step, no CDN and no files beside it.
enum DashboardAssets {
    static let css = """
        :root { --fg: #1d2330; --muted: #5d6677; --line: #dde1e8; --bg: #f6f7f9; --card: #fff;
          --open: #1f8a5b; --closed: #6a4fb3; --warn: #b35c00; --bad: #b3261e; --accent: #2b5fd9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: #1d2330; }
        header.top a { color: #cfd6e4; text-decoration: none; }
        header.top a[aria-current] { color: #fff; font-weight: 600; border-bottom: 2px solid #fff; }
        header.top nav { display: flex; gap: 1rem; flex: 1; }
        .brand { font-weight: 700; color: #fff !important; }
        .logout button { background: none; border: 1px solid #55607a; color: #cfd6e4; }
        main { padding: 1.2rem 1.5rem; max-width: 1400px; }
        main.login { max-width: 34rem; margin: 4rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
        h1 { font-size: 1.4rem; margin: .2rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
        table { border-collapse: collapse; background: var(--card); width: 100%; font-size: 13px; }
        th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
        th { background: #eef0f4; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12px; word-break: break-all; }
        .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
        @media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
        .cards { display: grid; gap: .8rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
        .card h3 { margin: 0 0 .3rem; font-size: 1.05rem; }
        .card dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .4rem 0 0; }
        .card dt { color: var(--muted); } .card dd { margin: 0; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
        .badge.open-science, .badge.open-tooling, .badge.open-model { background: var(--open); }
        .badge.open-weights { background: #5b8a1f; } .badge.closed { background: var(--closed); }
        .state-closed { color: var(--open); } .state-open { color: var(--bad); font-weight: 600; } .state-half-open { color: var(--warn); }
        .error { color: var(--bad); } .notice { background: #fff7e6; border: 1px solid #f0d9a8; padding: .6rem .8rem; border-radius: 6px; }
        .ok { color: var(--open); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
        .empty { color: var(--muted); }
        form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: 1rem; }
        form.filters label, form.create label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        form.create { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .6rem; align-items: end;
          background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem; }
        input, select, textarea, button { font: inherit; padding: .3rem .5rem; border: 1px solid #b9c0cc; border-radius: 5px; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        textarea { width: 100%; min-height: 10rem; font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
        pre { background: #1d2330; color: #e8ecf3; padding: .8rem; border-radius: 6px; overflow: auto; font-size: 12px; white-space: pre-wrap; }
        .pager { display: flex; gap: 1rem; margin: .8rem 0; }
        .secret { font-size: 15px; background: #fff7e6; border: 1px dashed var(--warn); padding: .6rem; }
        svg.chart { background: var(--card); border: 1px solid var(--line); border-radius: 6px; max-width: 100%; }
        svg.chart text { font-size: 10px; fill: var(--muted); }
        svg.chart .s0 { fill: var(--open); } svg.chart .s1 { fill: var(--closed); } svg.chart .s2 { fill: #d08a1c; }
        svg.chart .s3 { fill: #2b8fb3; } svg.chart .s4 { fill: #b3261e; } svg.chart .s5 { fill: #7a7f8c; }
        .legend span { margin-right: 1rem; font-size: 12px; } .legend i { display: inline-block; width: .7rem; height: .7rem; margin-right: .3rem; }
        .legend .s0 { background: var(--open); } .legend .s1 { background: var(--closed); } .legend .s2 { background: #d08a1c; }
        .legend .s3 { background: #2b8fb3; } .legend .s4 { background: #b3261e; } .legend .s5 { background: #7a7f8c; }
        .meter { width: 10rem; height: .6rem; } .meter rect.used { fill: var(--warn); } .meter rect.track { fill: #e4e7ed; }
        """

    /// The explain form: posts the pasted JSON to the dashboard's forwarder with the session's
    /// CSRF token and shows the answer (or the error) as text.
    static let javascript = """
        "use strict";
        document.addEventListener("DOMContentLoaded", () => {
          const form = document.getElementById("explain-form");
          if (!form) return;
          const output = document.getElementById("explain-result");
          const meta = document.querySelector('meta[name="ajar-csrf"]');
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const body = document.getElementById("explain-body").value;
            output.textContent = "…";
            delete output.dataset.status;
            try {
              JSON.parse(body);
            } catch (error) {
              output.textContent = "Not JSON: " + error.message;
              output.dataset.status = "invalid";
              return;
            }
            try {
              const headers = { "content-type": "application/json" };
              if (meta) headers["x-ajar-csrf"] = meta.content;
              const tier = document.getElementById("explain-tier");
              const url = "/ui/api/policy/explain" + (tier && tier.value ? "?tier=" + encodeURIComponent(tier.value) : "");
              const response = await fetch(url, { method: "POST", headers, body, credentials: "same-origin" });
              const text = await response.text();
              let shown = text;
              try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) {}
              output.textContent = "HTTP " + response.status + "\\n" + (shown || response.statusText);
              output.dataset.status = String(response.status);
            } catch (error) {
              output.textContent = "Request failed: " + error.message;
              output.dataset.status = "error";
            }
          });
        });
        """
}
