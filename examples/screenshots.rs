//! Renders PNG screenshots of every view from the bundled demo recording into
//! `screenshots/` (run by `screenshots/generate`). The screen is drawn by the real view
//! code into a ratatui `TestBackend`, then each cell is painted with DejaVu Sans Mono.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use drnfs::engine::Engine;
use drnfs::engine::replay::Replay;
use drnfs::engine::session::ReplayClock;
use drnfs::source::recording::Recording;
use drnfs::tui::app::{App, Mode, View};
use drnfs::tui::keys::Action;
use drnfs::tui::theme::Theme;
use drnfs::tui::views;
use image::{Rgb, RgbImage};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

/// Where a moment is looked for: the widest screen shows the most.
const COLS: u16 = 160;
const ROWS: u16 = 48;
const FONT_PX: f32 = 16.0;
const BG: Rgb<u8> = Rgb([0x1d, 0x20, 0x21]);
const FG: Rgb<u8> = Rgb([0xd5, 0xc4, 0xa1]);

fn rgb(c: Color, default: Rgb<u8>) -> Rgb<u8> {
    match c {
        Color::Reset => default,
        Color::Black => Rgb([0x28, 0x28, 0x28]),
        Color::Red => Rgb([0xfb, 0x49, 0x34]),
        Color::Green => Rgb([0xb8, 0xbb, 0x26]),
        Color::Yellow => Rgb([0xfa, 0xbd, 0x2f]),
        Color::Blue => Rgb([0x83, 0xa5, 0x98]),
        Color::Magenta => Rgb([0xd3, 0x86, 0x9b]),
        Color::Cyan => Rgb([0x8e, 0xc0, 0x7c]),
        Color::Gray | Color::White => Rgb([0xeb, 0xdb, 0xb2]),
        Color::DarkGray => Rgb([0x92, 0x83, 0x74]),
        Color::Rgb(r, g, b) => Rgb([r, g, b]),
        _ => default,
    }
}

fn font_path(name: &str) -> PathBuf {
    Path::new("/usr/share/fonts/truetype/dejavu").join(name)
}

fn app_at(rec: &Recording, engine: &Engine, at: f64) -> App {
    let mut app = App::new(Mode::Replay("demo".into()), Theme { color: true, ascii: false }, rec.header.vips.clone());
    app.replay = Some(ReplayClock {
        paused: false,
        speed: 4.0,
        position: at,
        duration: rec.duration(),
        finished: false,
        step_requested: false,
        chapters: Vec::new(),
        seek: None,
    });
    app.report = engine.report();
    app
}

/// The first sample time after `after` seconds at which the overview's text contains `needle`.
fn moment(rec: &Recording, needle: &str, after: f64) -> f64 {
    let mut engine = Engine::new(rec.header.vips.clone());
    let mut replay = Replay::new(rec);
    while let Some(t) = replay.next_at() {
        if replay.step(&mut engine) != Some(true) || t <= after {
            continue;
        }
        let app = app_at(rec, &engine, t);
        let mut term = Terminal::new(TestBackend::new(COLS, ROWS)).unwrap();
        term.draw(|f| views::render(f, &app)).unwrap();
        let text: String = term.backend().buffer().content().iter().map(|c| c.symbol()).collect();
        if text.contains(needle) {
            return t;
        }
    }
    panic!("the demo never shows {needle:?}")
}

fn paint(app: &App, (cols, rows): (u16, u16), out: &Path, regular: &FontRef, bold: &FontRef) {
    let mut term = Terminal::new(TestBackend::new(cols, rows)).unwrap();
    term.draw(|f| views::render(f, app)).unwrap();
    let buf = term.backend().buffer();
    let scale = PxScale::from(FONT_PX);
    let metrics = regular.as_scaled(scale);
    let cw = metrics.h_advance(regular.glyph_id('M')).ceil() as u32;
    let ch = (metrics.ascent() - metrics.descent() + metrics.line_gap()).ceil() as u32;
    let mut img = RgbImage::from_pixel(cw * u32::from(cols), ch * u32::from(rows), BG);
    for y in 0..rows {
        for x in 0..cols {
            let cell = &buf[(x, y)];
            let mut fg = rgb(cell.fg, FG);
            let mut bg = rgb(cell.bg, BG);
            if cell.modifier.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py) = (u32::from(x) * cw, u32::from(y) * ch);
            for dy in 0..ch {
                for dx in 0..cw {
                    img.put_pixel(px + dx, py + dy, bg);
                }
            }
            let Some(c) = cell.symbol().chars().next() else { continue };
            if c == ' ' {
                continue;
            }
            let font = if cell.modifier.contains(Modifier::BOLD) { bold } else { regular };
            let glyph = font
                .glyph_id(c)
                .with_scale_and_position(scale, ab_glyph::point(px as f32, py as f32 + metrics.ascent()));
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    let ix = bounds.min.x as i64 + i64::from(gx);
                    let iy = bounds.min.y as i64 + i64::from(gy);
                    if ix < 0 || iy < 0 || ix >= i64::from(img.width()) || iy >= i64::from(img.height()) {
                        return;
                    }
                    let p = img.get_pixel_mut(ix as u32, iy as u32);
                    for i in 0..3 {
                        p.0[i] = (f32::from(bg.0[i]) * (1.0 - coverage) + f32::from(fg.0[i]) * coverage) as u8;
                    }
                });
            }
        }
    }
    img.save(out).unwrap();
    println!("wrote {}", out.display());
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rec = Recording::open(&root.join("fixtures/demo/lab-incident.drnfs.gz")).expect("the demo recording");
    let regular_bytes = std::fs::read(font_path("DejaVuSansMono.ttf")).expect("fonts-dejavu-core is needed");
    let bold_bytes = std::fs::read(font_path("DejaVuSansMono-Bold.ttf")).expect("fonts-dejavu-core is needed");
    let regular = FontRef::try_from_slice(&regular_bytes).unwrap();
    let bold = FontRef::try_from_slice(&bold_bytes).unwrap();
    let resync = moment(&rec, "sending ", 0.0) + 4.0;
    let clients = moment(&rec, "of the NFS calls", 0.0) + 5.0;
    // The link slowed under the writing client (writes also waited on replication during
    // the initial resync, before any client).
    let write_path = moment(&rec, "writes wait on replication", clients) + 2.0;
    let split = moment(&rec, "split brain between", 0.0) + 2.0;
    // The size on-call engineers have over SSH, and a large terminal.
    let (small, large) = ((80, 24), (160, 48));
    let shots = [
        ("overview-split-brain", split, View::Overview, large),
        ("overview-split-brain-80x24", split, View::Overview, small),
        ("overview-write-path", write_path, View::Overview, large),
        ("overview-write-path-80x24", write_path, View::Overview, small),
        ("overview-resync", resync, View::Overview, large),
        ("drbd-resync", resync, View::Drbd, large),
        ("nfs-client-load", clients, View::Nfs, large),
        ("clients-client-load", clients, View::Clients, large),
        ("clients-client-load-80x24", clients, View::Clients, small),
        ("events-split-brain", split, View::Events, large),
        ("events-split-brain-80x24", split, View::Events, small),
    ];
    for (name, t, view, size) in shots {
        let engine = drnfs::engine::session::replay_to(&rec, t);
        let mut app = app_at(&rec, &engine, t);
        app.update(Action::Show(view));
        paint(&app, size, &root.join(format!("screenshots/{name}.png")), &regular, &bold);
    }
}
