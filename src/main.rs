//! The `cloudstorage-contract` command: see `cloudstorage-contract --help`.

fn main() -> std::process::ExitCode {
    cloudstorage_contract::__cli::main()
}
