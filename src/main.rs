fn main() -> std::process::ExitCode {
    drnfs::run()
}
