// The fixtures are embedded with include_dir; rebuild when any file under fixtures/ changes,
// including files that were added or removed.
fn main() {
    println!("cargo:rerun-if-changed=fixtures");
}
