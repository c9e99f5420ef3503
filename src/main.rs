use std::io::Read;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let r = rbench::syntax::SourceFile::from_bytes(rbench::syntax::FileId(0), path, bytes)
        .and_then(|s| rbench::syntax::parse(&s));
    match r {
        Ok(f) => println!("{f:#?}"),
        Err(e) => eprintln!("{:?}", miette::Report::new(e)),
    }
}
