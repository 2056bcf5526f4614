//! Checks the process, signal, memory, socket, terminal and futex parts of
//! `abi` against the kernel's own uapi headers.
//!
//! A C program built against the installed uapi headers (Debian's
//! `linux-libc-dev`, Linux 6.1) prints the size, alignment and field offsets
//! of each struct and the value of each constant; every one must equal this
//! crate's. It covers signal, ucontext, sched, wait, mman, socket, resource,
//! sysinfo, utsname, termios, futex and ioctl (uapi_headers.rs covers the
//! rest). Items newer than 6.1, and glibc-only ones (`AF_*`, `MSG_*`), are
//! checked in the unit tests (hard numbers or the `libc` crate). Needs `gcc`.

#![forbid(unsafe_code)]

use abi::futex::{futex_waitv, robust_list, robust_list_head};
use abi::resource::{rlimit, rlimit64, rusage};
use abi::sched::{clone_args, sched_attr, sched_param};
use abi::signal::{sigaction, sigevent, siginfo_t, signalfd_siginfo, sigset_t, stack_t};
use abi::socket::{
    in6_addr, in6_pktinfo, in_addr, in_pktinfo, ip_mreq, ip_mreqn, ipv6_mreq, sockaddr_in,
    sockaddr_in6, sockaddr_ll, sockaddr_nl, sockaddr_storage, sockaddr_un, tcp_info,
};
use abi::sysinfo::sysinfo;
use abi::termios::{termios, termios2, winsize};
use abi::ucontext::{_fpstate, _fpx_sw_bytes, _header, _xstate, _ymmh_state, sigcontext, ucontext};
use abi::utsname::new_utsname;
use std::mem::{align_of, offset_of, size_of, size_of_val};
use std::process::Command;
use zerocopy::FromBytes;

/// Headers of the C program, in include order.
const HEADERS: &[&str] = &[
    "stddef.h",
    "stdio.h",
    "asm/signal.h",
    "asm/siginfo.h",
    "linux/signal.h",
    "linux/fcntl.h",
    "linux/signalfd.h",
    "asm/sigcontext.h",
    "asm/ucontext.h",
    "linux/sched.h",
    "linux/sched/types.h",
    "linux/wait.h",
    "linux/mman.h",
    "linux/socket.h",
    "asm/socket.h",
    "linux/sockios.h",
    "linux/in.h",
    "linux/in6.h",
    "linux/ipv6.h",
    "linux/un.h",
    "linux/netlink.h",
    "linux/if_packet.h",
    "linux/tcp.h",
    "linux/udp.h",
    "linux/resource.h",
    "linux/fs.h",
    "linux/sysinfo.h",
    "linux/utsname.h",
    "asm/termbits.h",
    "asm/ioctls.h",
    "asm/termios.h",
    "linux/futex.h",
    "asm/ioctl.h",
];

/// One comparison: a C expression, our value, and the width in bytes of our
/// type (values are compared modulo that width, since C and Rust sometimes
/// disagree on the signedness of the same bits).
struct Check {
    c: String,
    ours: i128,
    width: usize,
}

/// The byte offset an accessor reads from, found by reading a struct whose
/// byte `i` holds `i`: the lowest byte of the value is its offset.
fn offset_read_by<T: FromBytes, V: Into<i128>>(read: impl Fn(&T) -> V) -> i128 {
    let bytes: Vec<u8> = (0..size_of::<T>()).map(|i| i as u8).collect();
    let t = T::read_from_bytes(&bytes).expect("size matches");
    read(&t).into() & 0xff
}

fn checks() -> Vec<Check> {
    let mut v: Vec<Check> = Vec::new();
    let mut push = |c: &str, ours: i128, width: usize| {
        v.push(Check {
            c: c.to_string(),
            ours,
            width,
        })
    };
    macro_rules! layout {
        ($ty:ty, $c:literal { $($f:ident),* }) => {
            push(concat!("sizeof(", $c, ")"), size_of::<$ty>() as i128, 8);
            push(concat!("_Alignof(", $c, ")"), align_of::<$ty>() as i128, 8);
            offsets!($ty, $c { $($f),* });
        };
    }
    macro_rules! offsets {
        ($ty:ty, $c:literal { $($f:ident),* }) => {
            $(push(concat!("offsetof(", $c, ", ", stringify!($f), ")"),
                offset_of!($ty, $f) as i128, 8);)*
        };
    }
    macro_rules! consts {
        ($m:ident: $($n:ident)*) => {
            $(push(stringify!($n), abi::$m::$n as i128, size_of_val(&abi::$m::$n));)*
        };
    }
    macro_rules! flags {
        ($m:ident::$ty:ident: $($n:ident)*) => {
            $(push(stringify!($n), abi::$m::$ty::$n.bits() as i128,
                size_of_val(&abi::$m::$ty::$n.bits()));)*
        };
    }
    macro_rules! read_at {
        ($ty:ty, $c:literal, $($f:ident),*) => {
            $(push(concat!("offsetof(", $c, ", ", stringify!($f), ")"),
                offset_read_by(|t: &$ty| t.$f()), 8);)*
        };
    }

    layout!(sigaction, "struct sigaction" { sa_handler, sa_flags, sa_restorer, sa_mask });
    layout!(sigset_t, "sigset_t" {});
    layout!(stack_t, "stack_t" { ss_sp, ss_flags, ss_size });
    layout!(siginfo_t, "siginfo_t" { si_signo, si_errno, si_code });
    read_at!(
        siginfo_t,
        "siginfo_t",
        si_pid,
        si_uid,
        si_value,
        si_status,
        si_utime,
        si_stime,
        si_addr,
        si_addr_lsb,
        si_lower,
        si_upper,
        si_pkey,
        si_overrun,
        si_band,
        si_fd,
        si_call_addr,
        si_syscall,
        si_arch
    );
    layout!(sigevent, "struct sigevent" { sigev_value, sigev_signo, sigev_notify });
    // The kernel's name for the timer id is si_tid (glibc's: si_timerid).
    push(
        "offsetof(siginfo_t, si_tid)",
        offset_read_by(|t: &siginfo_t| t.si_timerid()),
        8,
    );
    read_at!(sigevent, "struct sigevent", sigev_notify_thread_id);
    layout!(signalfd_siginfo, "struct signalfd_siginfo" { ssi_signo, ssi_errno, ssi_code,
        ssi_pid, ssi_uid, ssi_fd, ssi_tid, ssi_band, ssi_overrun, ssi_trapno, ssi_status,
        ssi_int, ssi_ptr, ssi_utime, ssi_stime, ssi_addr, ssi_addr_lsb, __pad2, ssi_syscall,
        ssi_call_addr, ssi_arch, __pad });
    layout!(sigcontext, "struct sigcontext" { r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi,
        rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, cs, gs, fs, ss, err, trapno, oldmask, cr2,
        fpstate, reserved1 });
    layout!(_fpx_sw_bytes, "struct _fpx_sw_bytes" { magic1, extended_size, xfeatures,
        xstate_size, padding });
    layout!(_fpstate, "struct _fpstate" { cwd, swd, twd, fop, rip, rdp, mxcsr, mxcsr_mask,
        st_space, xmm_space, reserved2, sw_reserved });
    layout!(_header, "struct _header" { xfeatures, reserved1, reserved2 });
    layout!(_ymmh_state, "struct _ymmh_state" { ymmh_space });
    layout!(_xstate, "struct _xstate" { fpstate, xstate_hdr, ymmh });
    layout!(ucontext, "struct ucontext" { uc_flags, uc_link, uc_stack, uc_mcontext,
        uc_sigmask });
    layout!(clone_args, "struct clone_args" { flags, pidfd, child_tid, parent_tid, exit_signal,
        stack, stack_size, tls, set_tid, set_tid_size, cgroup });
    layout!(sched_param, "struct sched_param" { sched_priority });
    layout!(sched_attr, "struct sched_attr" { size, sched_policy, sched_flags, sched_nice,
        sched_priority, sched_runtime, sched_deadline, sched_period, sched_util_min,
        sched_util_max });
    layout!(rlimit, "struct rlimit" { rlim_cur, rlim_max });
    layout!(rlimit64, "struct rlimit64" { rlim_cur, rlim_max });
    layout!(rusage, "struct rusage" { ru_utime, ru_stime, ru_maxrss, ru_ixrss, ru_idrss,
        ru_isrss, ru_minflt, ru_majflt, ru_nswap, ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv,
        ru_nsignals, ru_nvcsw, ru_nivcsw });
    layout!(sysinfo, "struct sysinfo" { uptime, loads, totalram, freeram, sharedram, bufferram,
        totalswap, freeswap, procs, pad, totalhigh, freehigh, mem_unit, _f });
    layout!(new_utsname, "struct new_utsname" { sysname, nodename, release, version, machine,
        domainname });
    layout!(termios, "struct termios" { c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc });
    layout!(termios2, "struct termios2" { c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc,
        c_ispeed, c_ospeed });
    layout!(winsize, "struct winsize" { ws_row, ws_col, ws_xpixel, ws_ypixel });
    layout!(futex_waitv, "struct futex_waitv" { val, uaddr, flags, __reserved });
    layout!(robust_list, "struct robust_list" { next });
    layout!(robust_list_head, "struct robust_list_head" { list, futex_offset,
        list_op_pending });
    layout!(in_addr, "struct in_addr" { s_addr });
    layout!(sockaddr_in, "struct sockaddr_in" { sin_family, sin_port, sin_addr, sin_zero });
    layout!(in6_addr, "struct in6_addr" { s6_addr });
    layout!(sockaddr_in6, "struct sockaddr_in6" { sin6_family, sin6_port, sin6_flowinfo,
        sin6_addr, sin6_scope_id });
    layout!(sockaddr_un, "struct sockaddr_un" { sun_family, sun_path });
    layout!(sockaddr_storage, "struct __kernel_sockaddr_storage" { ss_family, __data });
    layout!(sockaddr_nl, "struct sockaddr_nl" { nl_family, nl_pad, nl_pid, nl_groups });
    layout!(sockaddr_ll, "struct sockaddr_ll" { sll_family, sll_protocol, sll_ifindex,
        sll_hatype, sll_pkttype, sll_halen, sll_addr });
    layout!(ip_mreq, "struct ip_mreq" { imr_multiaddr, imr_interface });
    layout!(ip_mreqn, "struct ip_mreqn" { imr_multiaddr, imr_address, imr_ifindex });
    layout!(in_pktinfo, "struct in_pktinfo" { ipi_ifindex, ipi_spec_dst, ipi_addr });
    layout!(in6_pktinfo, "struct in6_pktinfo" { ipi6_addr, ipi6_ifindex });
    layout!(ipv6_mreq, "struct ipv6_mreq" { ipv6mr_multiaddr, ipv6mr_ifindex });
    // Linux 6.1's tcp_info ends at tcpi_snd_wnd (232 bytes); ours has the
    // fields later kernels append, so only offsets are compared. The two
    // bit-field bytes (offsets 6 and 7) cannot be named in offsetof.
    offsets!(tcp_info, "struct tcp_info" { tcpi_state, tcpi_ca_state, tcpi_retransmits,
        tcpi_probes, tcpi_backoff, tcpi_options, tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss,
        tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans, tcpi_fackets, tcpi_last_data_sent,
        tcpi_last_ack_sent, tcpi_last_data_recv, tcpi_last_ack_recv, tcpi_pmtu,
        tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar, tcpi_snd_ssthresh, tcpi_snd_cwnd,
        tcpi_advmss, tcpi_reordering, tcpi_rcv_rtt, tcpi_rcv_space, tcpi_total_retrans,
        tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked, tcpi_bytes_received,
        tcpi_segs_out, tcpi_segs_in, tcpi_notsent_bytes, tcpi_min_rtt, tcpi_data_segs_in,
        tcpi_data_segs_out, tcpi_delivery_rate, tcpi_busy_time, tcpi_rwnd_limited,
        tcpi_sndbuf_limited, tcpi_delivered, tcpi_delivered_ce, tcpi_bytes_sent,
        tcpi_bytes_retrans, tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack, tcpi_snd_wnd });
    push(
        "sizeof(struct tcp_info)",
        offset_of!(tcp_info, tcpi_rcv_wnd) as i128,
        8,
    );
    consts!(signal:
        SIGHUP SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGIOT SIGBUS SIGFPE SIGKILL SIGUSR1 SIGSEGV
        SIGUSR2 SIGPIPE SIGALRM SIGTERM SIGSTKFLT SIGCHLD SIGCONT SIGSTOP SIGTSTP SIGTTIN SIGTTOU
        SIGURG SIGXCPU SIGXFSZ SIGVTALRM SIGPROF SIGWINCH SIGIO SIGPOLL SIGPWR SIGSYS SIGUNUSED
        SIGRTMIN SIG_DFL SIG_IGN SIG_ERR SIG_BLOCK SIG_UNBLOCK SIG_SETMASK SS_ONSTACK
        SS_DISABLE SS_AUTODISARM SS_FLAG_BITS MINSIGSTKSZ SIGSTKSZ SI_USER SI_KERNEL SI_QUEUE
        SI_TIMER SI_MESGQ SI_ASYNCIO SI_SIGIO SI_TKILL SI_DETHREAD SI_ASYNCNL ILL_ILLOPC ILL_ILLOPN
        ILL_ILLADR ILL_ILLTRP ILL_PRVOPC ILL_PRVREG ILL_COPROC ILL_BADSTK ILL_BADIADDR FPE_INTDIV
        FPE_INTOVF FPE_FLTDIV FPE_FLTOVF FPE_FLTUND FPE_FLTRES FPE_FLTINV FPE_FLTSUB FPE_FLTUNK
        FPE_CONDTRAP SEGV_MAPERR SEGV_ACCERR SEGV_BNDERR SEGV_PKUERR SEGV_ACCADI SEGV_ADIDERR
        SEGV_ADIPERR SEGV_MTEAERR SEGV_MTESERR BUS_ADRALN BUS_ADRERR BUS_OBJERR BUS_MCEERR_AR
        BUS_MCEERR_AO TRAP_BRKPT TRAP_TRACE TRAP_BRANCH TRAP_HWBKPT TRAP_UNK TRAP_PERF CLD_EXITED
        CLD_KILLED CLD_DUMPED CLD_TRAPPED CLD_STOPPED CLD_CONTINUED POLL_IN POLL_OUT POLL_MSG
        POLL_ERR POLL_PRI POLL_HUP SYS_SECCOMP SYS_USER_DISPATCH SI_MAX_SIZE SIGEV_SIGNAL
        SIGEV_NONE SIGEV_THREAD SIGEV_THREAD_ID SIGEV_MAX_SIZE
    );
    flags!(signal::SaFlags:
        SA_NOCLDSTOP SA_NOCLDWAIT SA_SIGINFO SA_UNSUPPORTED SA_EXPOSE_TAGBITS SA_RESTORER
        SA_ONSTACK SA_RESTART SA_NODEFER SA_RESETHAND SA_NOMASK SA_ONESHOT
    );
    flags!(signal::SfdFlags:
        SFD_CLOEXEC SFD_NONBLOCK
    );
    consts!(ucontext:
        FP_XSTATE_MAGIC1 FP_XSTATE_MAGIC2 FP_XSTATE_MAGIC2_SIZE X86_FXSR_MAGIC UC_FP_XSTATE
        UC_SIGCONTEXT_SS UC_STRICT_RESTORE_SS
    );
    consts!(sched:
        CSIGNAL CLONE_ARGS_SIZE_VER0 CLONE_ARGS_SIZE_VER1 CLONE_ARGS_SIZE_VER2 SCHED_NORMAL
        SCHED_FIFO SCHED_RR SCHED_BATCH SCHED_IDLE SCHED_DEADLINE SCHED_RESET_ON_FORK
        SCHED_ATTR_SIZE_VER0 SCHED_ATTR_SIZE_VER1
    );
    flags!(sched::CloneFlags:
        CLONE_NEWTIME CLONE_VM CLONE_FS CLONE_FILES CLONE_SIGHAND CLONE_PIDFD CLONE_PTRACE
        CLONE_VFORK CLONE_PARENT CLONE_THREAD CLONE_NEWNS CLONE_SYSVSEM CLONE_SETTLS
        CLONE_PARENT_SETTID CLONE_CHILD_CLEARTID CLONE_DETACHED CLONE_UNTRACED CLONE_CHILD_SETTID
        CLONE_NEWCGROUP CLONE_NEWUTS CLONE_NEWIPC CLONE_NEWUSER CLONE_NEWPID CLONE_NEWNET CLONE_IO
        CLONE_CLEAR_SIGHAND CLONE_INTO_CGROUP
    );
    flags!(sched::SchedFlags:
        SCHED_FLAG_RESET_ON_FORK SCHED_FLAG_RECLAIM SCHED_FLAG_DL_OVERRUN SCHED_FLAG_KEEP_POLICY
        SCHED_FLAG_KEEP_PARAMS SCHED_FLAG_UTIL_CLAMP_MIN SCHED_FLAG_UTIL_CLAMP_MAX
    );
    consts!(wait:
        P_ALL P_PID P_PGID P_PIDFD
    );
    flags!(wait::WaitOptions:
        WNOHANG WUNTRACED WSTOPPED WEXITED WCONTINUED WNOWAIT __WNOTHREAD __WALL __WCLONE
    );
    consts!(mman:
        MAP_TYPE MAP_HUGE_SHIFT MAP_HUGE_MASK MAP_HUGE_2MB MAP_HUGE_1GB MADV_NORMAL MADV_RANDOM
        MADV_SEQUENTIAL MADV_WILLNEED MADV_DONTNEED MADV_FREE MADV_REMOVE MADV_DONTFORK MADV_DOFORK
        MADV_MERGEABLE MADV_UNMERGEABLE MADV_HUGEPAGE MADV_NOHUGEPAGE MADV_DONTDUMP MADV_DODUMP
        MADV_WIPEONFORK MADV_KEEPONFORK MADV_COLD MADV_PAGEOUT MADV_POPULATE_READ
        MADV_POPULATE_WRITE MADV_DONTNEED_LOCKED MADV_COLLAPSE MADV_HWPOISON MADV_SOFT_OFFLINE
        PKEY_DISABLE_ACCESS PKEY_DISABLE_WRITE PKEY_ACCESS_MASK
    );
    flags!(mman::ProtFlags:
        PROT_READ PROT_WRITE PROT_EXEC PROT_SEM PROT_GROWSDOWN PROT_GROWSUP
    );
    flags!(mman::MapFlags:
        MAP_SHARED MAP_PRIVATE MAP_SHARED_VALIDATE MAP_FIXED MAP_ANONYMOUS MAP_32BIT MAP_GROWSDOWN
        MAP_DENYWRITE MAP_EXECUTABLE MAP_LOCKED MAP_NORESERVE MAP_POPULATE MAP_NONBLOCK MAP_STACK
        MAP_HUGETLB MAP_SYNC MAP_FIXED_NOREPLACE MAP_UNINITIALIZED
    );
    flags!(mman::MremapFlags:
        MREMAP_MAYMOVE MREMAP_FIXED MREMAP_DONTUNMAP
    );
    flags!(mman::MsyncFlags:
        MS_ASYNC MS_INVALIDATE MS_SYNC
    );
    flags!(mman::MlockFlags:
        MLOCK_ONFAULT
    );
    flags!(mman::MlockallFlags:
        MCL_CURRENT MCL_FUTURE MCL_ONFAULT
    );
    consts!(socket:
        SOL_SOCKET SO_DEBUG SO_REUSEADDR SO_TYPE SO_ERROR SO_DONTROUTE SO_BROADCAST SO_SNDBUF
        SO_RCVBUF SO_KEEPALIVE SO_OOBINLINE SO_NO_CHECK SO_PRIORITY SO_LINGER SO_BSDCOMPAT
        SO_REUSEPORT SO_PASSCRED SO_PEERCRED SO_RCVLOWAT SO_SNDLOWAT SO_RCVTIMEO_OLD
        SO_SNDTIMEO_OLD SO_RCVTIMEO SO_SNDTIMEO SO_SECURITY_AUTHENTICATION
        SO_SECURITY_ENCRYPTION_TRANSPORT SO_SECURITY_ENCRYPTION_NETWORK SO_BINDTODEVICE
        SO_ATTACH_FILTER SO_DETACH_FILTER SO_PEERNAME SO_TIMESTAMP SO_ACCEPTCONN SO_PEERSEC
        SO_SNDBUFFORCE SO_RCVBUFFORCE SO_PASSSEC SO_TIMESTAMPNS SO_MARK SO_TIMESTAMPING SO_PROTOCOL
        SO_DOMAIN SO_RXQ_OVFL SO_WIFI_STATUS SO_PEEK_OFF SO_NOFCS SO_LOCK_FILTER
        SO_SELECT_ERR_QUEUE SO_BUSY_POLL SO_MAX_PACING_RATE SO_BPF_EXTENSIONS SO_INCOMING_CPU
        SO_ATTACH_BPF SO_ATTACH_REUSEPORT_CBPF SO_ATTACH_REUSEPORT_EBPF SO_CNX_ADVICE SO_MEMINFO
        SO_INCOMING_NAPI_ID SO_COOKIE SO_PEERGROUPS SO_ZEROCOPY SO_TXTIME SO_BINDTOIFINDEX
        SO_TIMESTAMP_NEW SO_TIMESTAMPNS_NEW SO_TIMESTAMPING_NEW SO_RCVTIMEO_NEW SO_SNDTIMEO_NEW
        SO_DETACH_REUSEPORT_BPF SO_PREFER_BUSY_POLL SO_BUSY_POLL_BUDGET SO_NETNS_COOKIE SO_BUF_LOCK
        SO_RESERVE_MEM SO_TXREHASH SO_RCVMARK SCM_TIMESTAMP SCM_TIMESTAMPNS SCM_TIMESTAMPING
        SCM_TXTIME IPPROTO_IP IPPROTO_HOPOPTS IPPROTO_ICMP IPPROTO_IGMP IPPROTO_IPIP IPPROTO_TCP
        IPPROTO_EGP IPPROTO_PUP IPPROTO_UDP IPPROTO_IDP IPPROTO_TP IPPROTO_DCCP IPPROTO_IPV6
        IPPROTO_ROUTING IPPROTO_FRAGMENT IPPROTO_RSVP IPPROTO_GRE IPPROTO_ESP IPPROTO_AH
        IPPROTO_ICMPV6 IPPROTO_NONE IPPROTO_DSTOPTS IPPROTO_MTP IPPROTO_BEETPH IPPROTO_ENCAP
        IPPROTO_PIM IPPROTO_COMP IPPROTO_L2TP IPPROTO_SCTP IPPROTO_UDPLITE IPPROTO_MPLS
        IPPROTO_ETHERNET IPPROTO_RAW IPPROTO_MPTCP IP_TOS IP_TTL IP_HDRINCL IP_OPTIONS
        IP_ROUTER_ALERT IP_RECVOPTS IP_RETOPTS IP_PKTINFO IP_PKTOPTIONS IP_MTU_DISCOVER IP_RECVERR
        IP_RECVTTL IP_RECVTOS IP_MTU IP_FREEBIND IP_IPSEC_POLICY IP_XFRM_POLICY IP_PASSSEC
        IP_TRANSPARENT IP_RECVORIGDSTADDR IP_MINTTL IP_NODEFRAG IP_CHECKSUM IP_BIND_ADDRESS_NO_PORT
        IP_RECVFRAGSIZE IP_RECVERR_RFC4884 IP_MULTICAST_IF IP_MULTICAST_TTL IP_MULTICAST_LOOP
        IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP IP_UNBLOCK_SOURCE IP_BLOCK_SOURCE
        IP_ADD_SOURCE_MEMBERSHIP IP_DROP_SOURCE_MEMBERSHIP IP_MSFILTER IP_MULTICAST_ALL
        IP_UNICAST_IF IP_PMTUDISC_DONT IP_PMTUDISC_WANT IP_PMTUDISC_DO IP_PMTUDISC_PROBE
        IP_PMTUDISC_INTERFACE IP_PMTUDISC_OMIT IPV6_ADDRFORM IPV6_2292PKTINFO IPV6_2292HOPOPTS
        IPV6_2292DSTOPTS IPV6_2292RTHDR IPV6_2292PKTOPTIONS IPV6_CHECKSUM IPV6_2292HOPLIMIT
        IPV6_NEXTHOP IPV6_AUTHHDR IPV6_FLOWINFO IPV6_UNICAST_HOPS IPV6_MULTICAST_IF
        IPV6_MULTICAST_HOPS IPV6_MULTICAST_LOOP IPV6_ADD_MEMBERSHIP IPV6_DROP_MEMBERSHIP
        IPV6_ROUTER_ALERT IPV6_MTU_DISCOVER IPV6_MTU IPV6_RECVERR IPV6_V6ONLY IPV6_JOIN_ANYCAST
        IPV6_LEAVE_ANYCAST IPV6_MULTICAST_ALL IPV6_ROUTER_ALERT_ISOLATE IPV6_RECVERR_RFC4884
        IPV6_IPSEC_POLICY IPV6_XFRM_POLICY IPV6_HDRINCL IPV6_RECVPKTINFO IPV6_PKTINFO
        IPV6_RECVHOPLIMIT IPV6_HOPLIMIT IPV6_RECVHOPOPTS IPV6_HOPOPTS IPV6_RTHDRDSTOPTS
        IPV6_RECVRTHDR IPV6_RTHDR IPV6_RECVDSTOPTS IPV6_DSTOPTS IPV6_RECVPATHMTU IPV6_PATHMTU
        IPV6_DONTFRAG IPV6_RECVTCLASS IPV6_TCLASS IPV6_AUTOFLOWLABEL IPV6_ADDR_PREFERENCES
        IPV6_MINHOPCOUNT IPV6_RECVORIGDSTADDR IPV6_TRANSPARENT IPV6_UNICAST_IF IPV6_RECVFRAGSIZE
        IPV6_FREEBIND TCP_NODELAY TCP_MAXSEG TCP_CORK TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT
        TCP_SYNCNT TCP_LINGER2 TCP_DEFER_ACCEPT TCP_WINDOW_CLAMP TCP_INFO TCP_QUICKACK
        TCP_CONGESTION TCP_MD5SIG TCP_THIN_LINEAR_TIMEOUTS TCP_THIN_DUPACK TCP_USER_TIMEOUT
        TCP_REPAIR TCP_REPAIR_QUEUE TCP_QUEUE_SEQ TCP_REPAIR_OPTIONS TCP_FASTOPEN TCP_TIMESTAMP
        TCP_NOTSENT_LOWAT TCP_CC_INFO TCP_SAVE_SYN TCP_SAVED_SYN TCP_REPAIR_WINDOW
        TCP_FASTOPEN_CONNECT TCP_ULP TCP_MD5SIG_EXT TCP_FASTOPEN_KEY TCP_FASTOPEN_NO_COOKIE
        TCP_ZEROCOPY_RECEIVE TCP_INQ TCP_TX_DELAY UDP_CORK UDP_ENCAP UDP_NO_CHECK6_TX
        UDP_NO_CHECK6_RX UDP_SEGMENT UDP_GRO TCPI_OPT_TIMESTAMPS TCPI_OPT_SACK TCPI_OPT_WSCALE
        TCPI_OPT_ECN TCPI_OPT_ECN_SEEN TCPI_OPT_SYN_DATA FIOSETOWN SIOCSPGRP FIOGETOWN SIOCGPGRP
        SIOCATMARK SIOCGSTAMP SIOCGSTAMPNS SIOCGIFNAME SIOCGIFCONF SIOCGIFFLAGS SIOCSIFFLAGS
        SIOCGIFADDR SIOCSIFADDR SIOCGIFDSTADDR SIOCGIFBRDADDR SIOCGIFNETMASK SIOCGIFMETRIC
        SIOCGIFMTU SIOCSIFMTU SIOCGIFHWADDR SIOCGIFINDEX SIOCGIFTXQLEN SIOCINQ SIOCOUTQ
        UNIX_PATH_MAX
    );
    consts!(resource:
        RLIMIT_CPU RLIMIT_FSIZE RLIMIT_DATA RLIMIT_STACK RLIMIT_CORE RLIMIT_RSS RLIMIT_NPROC
        RLIMIT_NOFILE RLIMIT_MEMLOCK RLIMIT_AS RLIMIT_LOCKS RLIMIT_SIGPENDING RLIMIT_MSGQUEUE
        RLIMIT_NICE RLIMIT_RTPRIO RLIMIT_RTTIME RLIM_NLIMITS RLIM_INFINITY _STK_LIM MLOCK_LIMIT
        RUSAGE_SELF RUSAGE_CHILDREN RUSAGE_BOTH RUSAGE_THREAD PRIO_PROCESS PRIO_PGRP PRIO_USER
        PRIO_MIN PRIO_MAX
    );
    consts!(sysinfo:
        SI_LOAD_SHIFT
    );
    consts!(utsname:
        __NEW_UTS_LEN
    );
    consts!(termios:
        NCCS VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC VSTART VSTOP VSUSP VEOL VREPRINT
        VDISCARD VWERASE VLNEXT VEOL2 NL0 NL1 CR0 CR1 CR2 CR3 TAB0 TAB1 TAB2 TAB3 XTABS BS0 BS1 VT0
        VT1 FF0 FF1 CS5 CS6 CS7 CS8 IBSHIFT B0 B50 B75 B110 B134 B150 B200 B300 B600 B1200 B1800
        B2400 B4800 B9600 B19200 B38400 B57600 B115200 B230400 B460800 B500000 B576000 B921600
        B1000000 B1152000 B1500000 B2000000 B2500000 B3000000 B3500000 B4000000 TCSANOW TCSADRAIN
        TCSAFLUSH TCOOFF TCOON TCIOFF TCION TCIFLUSH TCOFLUSH TCIOFLUSH TIOCPKT_DATA
        TIOCPKT_FLUSHREAD TIOCPKT_FLUSHWRITE TIOCPKT_STOP TIOCPKT_START TIOCPKT_NOSTOP
        TIOCPKT_DOSTOP TIOCPKT_IOCTL TCGETS TCSETS TCSETSW TCSETSF TCGETA TCSETA TCSETAW TCSETAF
        TCSBRK TCXONC TCFLSH TIOCEXCL TIOCNXCL TIOCSCTTY TIOCGPGRP TIOCSPGRP TIOCOUTQ TIOCSTI
        TIOCGWINSZ TIOCSWINSZ TIOCMGET TIOCMBIS TIOCMBIC TIOCMSET TIOCGSOFTCAR TIOCSSOFTCAR
        FIONREAD TIOCINQ TIOCLINUX TIOCCONS TIOCGSERIAL TIOCSSERIAL TIOCPKT FIONBIO TIOCNOTTY
        TIOCSETD TIOCGETD TCSBRKP TIOCSBRK TIOCCBRK TIOCGSID TCGETS2 TCSETS2 TCSETSW2 TCSETSF2
        TIOCGPTN TIOCSPTLCK TIOCGDEV TIOCSIG TIOCVHANGUP TIOCGPKT TIOCGPTLCK TIOCGEXCL TIOCGPTPEER
        FIONCLEX FIOCLEX FIOASYNC TIOCGLCKTRMIOS TIOCSLCKTRMIOS TIOCMIWAIT TIOCGICOUNT FIOQSIZE
    );
    flags!(termios::InputFlags:
        IGNBRK BRKINT IGNPAR PARMRK INPCK ISTRIP INLCR IGNCR ICRNL IUCLC IXON IXANY IXOFF IMAXBEL
        IUTF8
    );
    flags!(termios::OutputFlags:
        OPOST OLCUC ONLCR OCRNL ONOCR ONLRET OFILL OFDEL NLDLY CRDLY TABDLY BSDLY VTDLY FFDLY
    );
    flags!(termios::ControlFlags:
        CBAUD CSIZE CSTOPB CREAD PARENB PARODD HUPCL CLOCAL CBAUDEX BOTHER CIBAUD ADDRB CMSPAR
        CRTSCTS
    );
    flags!(termios::LocalFlags:
        ISIG ICANON XCASE ECHO ECHOE ECHOK ECHONL NOFLSH TOSTOP ECHOCTL ECHOPRT ECHOKE FLUSHO
        PENDIN IEXTEN EXTPROC
    );
    consts!(futex:
        FUTEX_WAIT FUTEX_WAKE FUTEX_FD FUTEX_REQUEUE FUTEX_CMP_REQUEUE FUTEX_WAKE_OP FUTEX_LOCK_PI
        FUTEX_UNLOCK_PI FUTEX_TRYLOCK_PI FUTEX_WAIT_BITSET FUTEX_WAKE_BITSET FUTEX_WAIT_REQUEUE_PI
        FUTEX_CMP_REQUEUE_PI FUTEX_LOCK_PI2 FUTEX_CMD_MASK FUTEX_WAITERS FUTEX_OWNER_DIED
        FUTEX_TID_MASK FUTEX_BITSET_MATCH_ANY ROBUST_LIST_LIMIT FUTEX_OP_SET FUTEX_OP_ADD
        FUTEX_OP_OR FUTEX_OP_ANDN FUTEX_OP_XOR FUTEX_OP_OPARG_SHIFT FUTEX_OP_CMP_EQ FUTEX_OP_CMP_NE
        FUTEX_OP_CMP_LT FUTEX_OP_CMP_LE FUTEX_OP_CMP_GT FUTEX_OP_CMP_GE FUTEX_WAITV_MAX
    );
    flags!(futex::FutexFlags:
        FUTEX_PRIVATE_FLAG FUTEX_CLOCK_REALTIME
    );
    consts!(ioctl:
        _IOC_NRBITS _IOC_TYPEBITS _IOC_SIZEBITS _IOC_DIRBITS _IOC_NRSHIFT _IOC_TYPESHIFT
        _IOC_SIZESHIFT _IOC_DIRSHIFT _IOC_NONE _IOC_WRITE _IOC_READ
    );
    v
}

fn c_program(checks: &[Check]) -> String {
    let includes: String = HEADERS
        .iter()
        .map(|h| format!("#include <{h}>\n"))
        .collect();
    let prints: String = checks
        .iter()
        .map(|c| format!("    printf(\"%lld\\n\", (long long)({}));\n", c.c))
        .collect();
    format!("{includes}int main(void) {{\n{prints}    return 0;\n}}\n")
}

fn run_c(src: &str) -> String {
    let dir = std::env::temp_dir().join(format!("abi-uapi-more-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let (c, bin) = (dir.join("check.c"), dir.join("check"));
    std::fs::write(&c, src).expect("write C program");
    let cc = Command::new("gcc")
        .arg("-o")
        .arg(&bin)
        .arg(&c)
        .output()
        .expect("run gcc");
    assert!(
        cc.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&bin).output().expect("run the C program");
    std::fs::remove_dir_all(&dir).expect("remove temp dir");
    assert!(out.status.success(), "the C program failed");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn matches_kernel_uapi_headers() {
    let checks = checks();
    let text = run_c(&c_program(&checks));
    let theirs: Vec<i128> = text.lines().map(|l| l.parse().expect("a number")).collect();
    assert_eq!(theirs.len(), checks.len());
    let wrong: Vec<String> = checks
        .iter()
        .zip(&theirs)
        .filter(|(c, t)| {
            let mask = if c.width >= 8 {
                u64::MAX
            } else {
                (1u64 << (8 * c.width)) - 1
            };
            (c.ours as u64) & mask != (**t as u64) & mask
        })
        .map(|(c, t)| format!("{}: ours {}, kernel {}", c.c, c.ours, t))
        .collect();
    assert!(
        wrong.is_empty(),
        "differs from the uapi headers:\n{}",
        wrong.join("\n")
    );
}
