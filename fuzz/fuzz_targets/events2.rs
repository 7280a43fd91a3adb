//! events2: never a panic; the state survives the JSON round trip that a resumed stream
//! starts from; percents stay in 0..=100; every error names a line of the input.
#![no_main]
use drnfs_parsers::events2::{Events2State, parse_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let whole = parse_stream(text);
    let lines = text.lines().count();
    for e in &whole.errors {
        assert!(e.line >= 1 && e.line <= lines, "error on line {} of {lines}", e.line);
    }
    let state = whole.value.0;
    let json = serde_json::to_string(&state).expect("the state serializes");
    let back: Events2State = serde_json::from_str(&json).expect("the saved state reads back");
    assert_eq!(back, state, "the state changed through its JSON form");
    assert!(state.resources.len() <= lines);
    for r in state.resources.values() {
        for c in &r.connections {
            for pd in &c.peer_devices {
                if let Some(p) = pd.sync.as_ref().and_then(|s| s.percent) {
                    assert!((0.0..=100.0).contains(&p), "done:{p} out of range");
                }
            }
        }
    }
});
