fn main() {
    eprintln!("livemod: the command line is not wired up yet");
    std::process::exit(2);
}
