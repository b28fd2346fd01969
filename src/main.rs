fn main() -> std::process::ExitCode {
    trygg::cli::main()
}
