//! Parser costs on real lab captures (`fixtures/`), and events2 throughput on the
//! 1,000-resource stream. `cargo bench --bench parsers`.

#[path = "support/events2_stream.rs"]
mod events2_stream;

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drnfs_parsers::events2::{self, Events2State};

fn fixture(rel: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run tests/lab/run --capture)", path.display()))
}

fn proc_files(c: &mut Criterion) {
    // A resync in progress is the longest /proc/drbd drnfs meets (the progress lines).
    let drbd = fixture("resync/nodea/proc/drbd");
    let nfsd = fixture("client-load/nodea/proc/net/rpc/nfsd");
    let pool = fixture("client-load/nodea/proc/fs/nfsd/pool_stats");
    let mut g = c.benchmark_group("proc");
    g.bench_function("proc_drbd (resync)", |b| b.iter(|| drnfs_parsers::proc_drbd::parse(std::hint::black_box(&drbd))));
    g.bench_function("rpc_nfsd (client load)", |b| {
        b.iter(|| drnfs_parsers::nfsd_stats::parse(std::hint::black_box(&nfsd)))
    });
    g.bench_function("pool_stats", |b| b.iter(|| drnfs_parsers::nfsd_fs::pool_stats(std::hint::black_box(&pool))));
    g.finish();
}

fn events2_stream(c: &mut Criterion) {
    let text = events2_stream::stream(1000, 100);
    let stamped = events2_stream::with_timestamps(&text);
    let lines = text.lines().count() as u64;
    let one = text.lines().rfind(|l| l.starts_with("change")).unwrap().to_owned();
    let mut g = c.benchmark_group("events2");
    g.bench_function("parse_line (one change peer-device line)", |b| {
        b.iter(|| events2::parse_line(std::hint::black_box(&one)).map(std::hint::black_box).is_ok())
    });
    g.throughput(Throughput::Elements(lines));
    g.sample_size(10);
    g.bench_function("parse+merge 1000x2x2 stream", |b| {
        let mut changes = Vec::new();
        b.iter(|| {
            let mut state = Events2State::new();
            for line in text.lines() {
                changes.clear();
                let _ = state.apply_line(line, &mut changes);
            }
            state
        })
    });
    g.bench_function("parse+merge 1000x2x2 stream, --timestamps", |b| {
        let mut changes = Vec::new();
        b.iter(|| {
            let mut state = Events2State::new();
            for line in stamped.lines() {
                changes.clear();
                let _ = state.apply_line(line, &mut changes);
            }
            state
        })
    });
    g.finish();
}

criterion_group!(benches, proc_files, events2_stream);
criterion_main!(benches);
