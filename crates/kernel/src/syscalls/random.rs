//! `getrandom(2)`: bytes from the host's random pool.

use abi::Errno;
use rustix::rand::GetRandomFlags;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

const GRND_NONBLOCK: u32 = 0x1;
const GRND_RANDOM: u32 = 0x2;
const GRND_INSECURE: u32 = 0x4;

/// `getrandom(2)`: `EINVAL` for unknown flags or `GRND_INSECURE` with
/// `GRND_RANDOM`; at most `INT_MAX` bytes per call; a fault after some bytes
/// were copied returns the count, as Linux does.
pub fn sys_getrandom(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (buf, flags) = (a.slice(0, 1), a.u32(2));
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_INSECURE | GRND_RANDOM) == (GRND_INSECURE | GRND_RANDOM)
    {
        return Err(Errno::EINVAL);
    }
    let len = buf.len.min(i32::MAX as u64);
    crate::usermem::check_range(buf.addr, len)?;
    let mut chunk = [0u8; 4096];
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(chunk.len() as u64) as usize;
        let got = rustix::rand::getrandom(&mut chunk[..n], GetRandomFlags::empty())
            .map_err(|_| Errno::EIO)?;
        let part = chunk.get(..got).ok_or(Errno::EIO)?;
        if let Err(e) = t.mem().write_bytes(buf.addr + done, part) {
            return if done > 0 {
                Ok(SysRet::Value(done))
            } else {
                Err(e)
            };
        }
        done += got as u64;
    }
    Ok(SysRet::Value(done))
}
