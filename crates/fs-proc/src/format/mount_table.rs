//! The mount table files: `mounts` and `mountinfo`.

use crate::source::MountEntry;

/// Escapes a path as `/proc/mounts` does (space, tab, newline and
/// backslash become octal escapes).
pub fn mangle(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for &c in path {
        match c {
            b' ' | b'\t' | b'\n' | b'\\' => {
                out.extend_from_slice(format!("\\{c:03o}").as_bytes());
            }
            _ => out.push(c),
        }
    }
    out
}

/// `/proc/<pid>/mounts`: `source point type options 0 0`.
pub fn mounts(ms: &[MountEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in ms {
        out.extend_from_slice(&mangle(&m.source));
        out.push(b' ');
        out.extend_from_slice(&mangle(&m.mount_point));
        out.push(b' ');
        out.extend_from_slice(&mangle(&m.fs_type));
        out.push(b' ');
        out.extend_from_slice(&m.mount_options);
        out.extend_from_slice(b" 0 0\n");
    }
    out
}

/// `/proc/<pid>/mountinfo`.
pub fn mountinfo(ms: &[MountEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in ms {
        out.extend_from_slice(
            format!("{} {} {}:{} ", m.id, m.parent_id, m.major, m.minor).as_bytes(),
        );
        out.extend_from_slice(&mangle(&m.root));
        out.push(b' ');
        out.extend_from_slice(&mangle(&m.mount_point));
        out.push(b' ');
        out.extend_from_slice(&m.mount_options);
        out.extend_from_slice(b" - ");
        out.extend_from_slice(&mangle(&m.fs_type));
        out.push(b' ');
        out.extend_from_slice(&mangle(&m.source));
        out.push(b' ');
        out.extend_from_slice(&m.super_options);
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_and_mountinfo() {
        let m = MountEntry {
            id: 22,
            parent_id: 27,
            major: 0,
            minor: 21,
            root: b"/".to_vec(),
            mount_point: b"/my dir".to_vec(),
            mount_options: b"rw,relatime".to_vec(),
            fs_type: b"proc".to_vec(),
            source: b"proc".to_vec(),
            super_options: b"rw".to_vec(),
        };
        assert_eq!(
            mounts(std::slice::from_ref(&m)),
            b"proc /my\\040dir proc rw,relatime 0 0\n"
        );
        assert_eq!(
            mountinfo(&[m]),
            b"22 27 0:21 / /my\\040dir rw,relatime - proc proc rw\n"
        );
    }
}
