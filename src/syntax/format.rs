pub fn format(_s: &crate::syntax::SourceFile) -> Result<String, crate::syntax::SyntaxErrors> {
    todo!()
}
