//! The HTML report in a real browser: Debian's headless Chromium (tests/browser/install.sh, run
//! by tests/servers/install.sh) opens pages `mxray diagnose --format html` made from shipped
//! fixtures, at 1280 px and 390 px wide, and must log no console message (a CSP violation is
//! one) and make no network request; one page is printed to PDF. Screenshots, pages and the PDF
//! go to target/html-screenshots/.
//!
//! Chromium is fenced off the network: every host name resolves to nothing and every request
//! goes to a proxy on a closed loopback port. A control page that does run a script and load an
//! image proves both detectors see what they look for. Skipped, with a message, when Chromium is
//! not installed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A browser that does not finish in this time is hung (a bound, not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(90);

const PAGES: &[&str] = &["check/wrong-password", "domain/spf11", "server/expired"];
const WIDTHS: &[(u32, u32)] = &[(1280, 2000), (390, 2400)];

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

fn out_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is target/tmp: the screenshots live beside it, where CI keeps them.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("html-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Visit {
    /// Lines Chromium logged for the page's console.
    console: Vec<String>,
    /// URLs of requests the page (not the browser itself) started.
    requests: Vec<String>,
}

/// A screenshot of `page` at this window size.
fn screenshot(shot: &Path, (w, h): (u32, u32)) -> Vec<String> {
    vec![
        format!("--screenshot={}", shot.display()),
        format!("--window-size={w},{h}"),
    ]
}

fn visit(browser: &Path, page: &Path, output: Vec<String>) -> Visit {
    let work = tempfile::tempdir().unwrap();
    let netlog = work.path().join("net.json");
    let stderr = work.path().join("stderr.txt");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .args(output)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium hung on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::new();
    std::fs::File::open(&stderr)
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        status.success(),
        "chromium failed on {}: {log}",
        page.display()
    );
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        // Chromium's own pages log too, and on a loaded machine its font-loading heuristic
        // reports a "slow network" for local files: neither is the report's doing.
        .filter(|l| !l.contains("source: chrome://") && !l.contains("Slow network is detected"))
        .map(str::to_string)
        .collect();
    Visit {
        console,
        requests: page_requests(&netlog),
    }
}

/// The net log's URL requests that a document started: the browser's own background requests
/// have no initiating origin and no file:// isolation key.
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("net log written");
    let log: serde_json::Value = serde_json::from_str(&text).expect("net log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("event type id");
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        // The begin event carries the URL and who asked; the end event only the error.
        .filter(|e| e["type"].as_u64() == Some(start_job) && e["params"]["url"].is_string())
        .filter(|e| {
            let p = &e["params"];
            let initiator = p["initiator"].as_str().unwrap_or("");
            let nik = p["network_isolation_key"].as_str().unwrap_or("");
            initiator != "not an origin" || nik.contains("file://")
        })
        .map(|e| e["params"]["url"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Width and height from a PNG's IHDR.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is a PNG",
        path.display()
    );
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn pages_load_without_console_errors_or_requests() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED browser test: chromium is not installed (tests/browser/install.sh installs it)"
        );
        return;
    };
    let dir = out_dir();

    // The control: a page that breaks both rules must be caught by both detectors.
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><head><title>control</title></head><body><p>control</p>\
         <script>console.error(\"mxray-control\")</script>\
         <img src=\"http://192.0.2.1/mxray-control.png\"></body></html>",
    )
    .unwrap();
    let v = visit(
        &browser,
        &control,
        screenshot(&dir.join("control.png"), (400, 300)),
    );
    assert!(
        v.console.iter().any(|l| l.contains("mxray-control")),
        "the console detector missed the control's message: {:?}",
        v.console
    );
    assert!(
        v.requests.iter().any(|u| u.contains("192.0.2.1")),
        "the request detector missed the control's image: {:?}",
        v.requests
    );

    for name in PAGES {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(format!("{name}.json"));
        let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
            .arg("diagnose")
            .arg(&fixture)
            .args(["--format", "html"])
            .output()
            .expect("run mxray");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}");
        let stem = name.replace('/', "-");
        let page = dir.join(format!("{stem}.html"));
        std::fs::write(&page, &out.stdout).unwrap();
        for &(w, h) in WIDTHS {
            let shot = dir.join(format!("{stem}-{w}.png"));
            let _ = std::fs::remove_file(&shot);
            let v = visit(&browser, &page, screenshot(&shot, (w, h)));
            assert_eq!(v.console, Vec::<String>::new(), "{name} at {w} px: console");
            assert_eq!(
                v.requests,
                Vec::<String>::new(),
                "{name} at {w} px: requests"
            );
            assert_eq!(png_size(&shot), (w, h), "{name}: screenshot size");
        }
    }

    // Printing takes the @media print rules: the first page prints to a PDF, quietly too.
    let page = dir.join(format!("{}.html", PAGES[0].replace('/', "-")));
    let pdf = dir.join("print.pdf");
    let _ = std::fs::remove_file(&pdf);
    let v = visit(
        &browser,
        &page,
        vec![
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    assert_eq!(v.console, Vec::<String>::new(), "printing: console");
    assert_eq!(v.requests, Vec::<String>::new(), "printing: requests");
    let bytes = std::fs::read(&pdf).expect("PDF written");
    assert!(bytes.starts_with(b"%PDF-"), "print.pdf is a PDF");
}
