//! The `cloudstorage-contract` command: see `cloudstorage-contract --help`.

/// The binary's allocator: the library leaves that choice to its users, the command line makes
/// it. `check` allocates and frees small blocks for every payload on every thread, which
/// mimalloc serves from per-thread pages, where glibc's allocator trims and refaults its heaps
/// (`benches/compare.sh` shows the difference).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cloudstorage_contract_cli::main()
}
