//! Shell-glob matching of names, without allocation.
//!
//! The whole name must match. `*` matches any run of characters (including `:` and `.`),
//! `?` one character, `[abc]`, `[a-z]` and `[!abc]` a character class. No braces.
//! Case-sensitive. This is Python's `fnmatch` on POSIX, which theanets uses.
//!
//! ```
//! use staticnets::regularizers::pattern::glob_match;
//! assert!(glob_match("hid[23].w", "hid2.w"));
//! assert!(glob_match("*:out", "hid1:out"));
//! assert!(!glob_match("hid?", "hid10"));
//! ```

/// Whether `name` matches `pattern` (see the module docs).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    // Iterative matcher with one backtrack point for the last `*`: linear in practice.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                b'[' => {
                    if let Some((ok, next)) = class(p, pi, n[ni]) {
                        if ok {
                            pi = next;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == b'[' {
                        // an unclosed `[` is a literal
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                c if c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Match byte `c` against the class starting at `p[start] == b'['`: `(matched, index after ])`,
/// or `None` if the class is not closed.
fn class(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = i < p.len() && p[i] == b'!';
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() && (first || p[i] != b']') {
        first = false;
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    if i >= p.len() {
        return None;
    }
    Some((matched != negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::glob_match as m;

    #[test]
    fn fnmatch_semantics() {
        assert!(m("*", ""));
        assert!(m("*", "hid1.w"));
        assert!(m("*.w", "hid1.w") && !m("*.w", "hid1.b"));
        assert!(m("hid*:out", "hid12:out") && !m("hid*:out", "out:out"));
        assert!(m("hid?:out", "hid1:out") && !m("hid?:out", "hid10:out"));
        assert!(m("hid[23].w", "hid3.w") && !m("hid[23].w", "hid1.w"));
        assert!(m("hid[1-3].w", "hid2.w") && !m("hid[1-3].w", "hid4.w"));
        assert!(m("hid[!1].w", "hid2.w") && !m("hid[!1].w", "hid1.w"));
        assert!(m("*a*b*c", "xxaxxbxxc") && !m("*a*b*c", "xxaxxcxxb"));
        assert!(!m("{in,out}:out", "in:out"), "no braces");
        assert!(m("{in,out}:out", "{in,out}:out"));
        assert!(!m("Hid1.w", "hid1.w"), "case-sensitive");
        assert!(m("a[", "a["), "an unclosed class is literal");
        assert!(m("[]]", "]"), "] first in a class is literal");
    }
}
