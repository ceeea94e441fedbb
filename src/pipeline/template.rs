//! `${NAME}` in pipeline values reads the environment, at load time, so a missing variable is
//! a validation error and never a request with an empty value.

/// Replaces each `${NAME}` with the variable's value; `$${` escapes a literal `${`.
pub fn expand_env(value: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        if rest[..start].ends_with('$') {
            out.push_str(&rest[..start - 1]);
            out.push_str("${");
            rest = &rest[start + 2..];
            continue;
        }
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`${{` without a closing `}}` in `{value}`"))?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`${{{name}}}` is not an environment variable name"));
        }
        let resolved =
            env(name).ok_or_else(|| format!("environment variable `{name}` is not set"))?;
        out.push_str(&resolved);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "ORG").then(|| "123".to_owned())
    }

    #[test]
    fn variables_are_replaced() {
        assert_eq!(expand_env("id-${ORG}-x", &env), Ok("id-123-x".to_owned()));
        assert_eq!(expand_env("plain", &env), Ok("plain".to_owned()));
    }

    #[test]
    fn unset_variable_is_named() {
        let err = expand_env("${NOPE}", &env).unwrap_err();
        assert!(err.contains("`NOPE` is not set"), "{err}");
    }

    #[test]
    fn escaped_dollar_is_kept() {
        assert_eq!(expand_env("$${ORG}", &env), Ok("${ORG}".to_owned()));
    }

    #[test]
    fn unclosed_is_an_error() {
        assert!(expand_env("${ORG", &env).is_err());
    }
}
