//! Property test: random sequences of address-space operations on several
//! processes (created by `fork`) against a page-array reference model.
//!
//! The test also plays platform and memory file: it applies every recorded
//! `PlatformOp` to a simulated page map and a simulated memory file, runs
//! application loads and stores through that simulated platform (taking a
//! fault into `handle_fault` when the platform refuses), and checks every
//! value read against the model. So copy-on-write, sharing, zeroing of
//! recycled frames and the platform's view are all checked, not just the
//! area bookkeeping.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use mm::{AccessType, Backing, Errno, Fault, Layout, Limits, MemoryFileAllocator, MemoryManager};
use mm::{MmapRequest, PlatformOp, ProtFlags, PAGE_SIZE};
use proptest::prelude::*;

const P: u64 = PAGE_SIZE;
const PAGES: u64 = 48;
const BASE: u64 = 0x1000_0000;
/// The initial program break: page 8 of the window.
const START_BRK: u64 = BASE + 8 * P;

fn addr(page: u64) -> u64 {
    BASE + page * P
}

fn layout() -> Layout {
    Layout {
        min_addr: BASE,
        max_addr: addr(PAGES),
        mmap_base: addr(PAGES),
    }
}

/// What the model knows about one mapped page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Private anonymous page with its value.
    Private(u64),
    /// Page `index` of shared object `obj`.
    Shared { obj: u64, index: u64 },
}

#[derive(Clone, Copy, Debug)]
struct MPage {
    prot: ProtFlags,
    kind: Kind,
}

/// An expected area: first page, end page, protection, and for shared
/// mappings the object and the object page of the first page.
type Area = (u64, u64, ProtFlags, Option<(u64, u64)>);

/// One process of the reference model.
#[derive(Clone, Debug, Default)]
struct Model {
    pages: BTreeMap<u64, MPage>,
    brk: u64,
}

/// Shared objects: values and sizes (in pages).
#[derive(Debug, Default)]
struct Objects {
    values: HashMap<(u64, u64), u64>,
    sizes: HashMap<u64, u64>,
}

impl Model {
    /// Expected areas: maximal runs of compatible pages.
    fn areas(&self) -> Vec<Area> {
        let mut out: Vec<Area> = Vec::new();
        for (&pg, p) in &self.pages {
            let shared = match p.kind {
                Kind::Private(_) => None,
                Kind::Shared { obj, index } => Some((obj, index)),
            };
            if let Some(last) = out.last_mut() {
                let contiguous = last.1 == pg && last.2 == p.prot;
                let compatible = match (last.3, shared) {
                    (None, None) => true,
                    (Some((o1, i1)), Some((o2, i2))) => o1 == o2 && i1 + (pg - last.0) == i2,
                    _ => false,
                };
                if contiguous && compatible {
                    last.1 = pg + 1;
                    continue;
                }
            }
            out.push((pg, pg + 1, p.prot, shared));
        }
        out
    }

    fn area_of(&self, pg: u64) -> Option<(u64, u64)> {
        self.areas()
            .into_iter()
            .find(|a| a.0 <= pg && pg < a.1)
            .map(|a| (a.0, a.1))
    }

    /// Highest free run of `n` pages (top-down placement).
    fn place(&self, n: u64) -> Option<u64> {
        (0..=PAGES.checked_sub(n)?)
            .rev()
            .find(|&s| (s..s + n).all(|p| !self.pages.contains_key(&p)))
    }
}

/// The simulated platform of one process: page -> (file offset, prot).
type Platform = BTreeMap<u64, (u64, ProtFlags)>;

struct Proc {
    mm: MemoryManager,
    platform: Platform,
    model: Model,
}

struct World {
    frames: Arc<MemoryFileAllocator>,
    memfile: HashMap<u64, u64>,
    objects: Objects,
    procs: Vec<Proc>,
    /// The process the address-space operations of the current step act on.
    cur: usize,
}

/// A page to access: any page of the window, or (more useful) the n-th
/// page the process has mapped.
#[derive(Clone, Copy, Debug)]
enum Target {
    Any(u64),
    Mapped(usize),
}

impl Target {
    fn resolve(self, m: &Model) -> u64 {
        match self {
            Target::Any(p) => p,
            Target::Mapped(n) if m.pages.is_empty() => n as u64 % PAGES,
            Target::Mapped(n) => m.pages.keys().nth(n % m.pages.len()).copied().unwrap_or(0),
        }
    }
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![1 => (0..PAGES + 2).prop_map(Target::Any), 4 => any::<usize>().prop_map(Target::Mapped)]
}

fn prot() -> impl Strategy<Value = u32> {
    prop_oneof![3 => Just(3u32), 1 => 0..8u32]
}

#[derive(Clone, Debug)]
enum Op {
    Mmap {
        page: u64,
        n: u64,
        prot: u32,
        shared: bool,
        fixed: bool,
        populate: bool,
    },
    Brk {
        pages: u64,
        extra: u64,
    },
    /// The kernel releases the memory of up to `n` free frames.
    Reclaim {
        n: usize,
    },
    Munmap {
        page: u64,
        n: u64,
    },
    Mprotect {
        page: u64,
        n: u64,
        prot: u32,
    },
    Mremap {
        page: u64,
        old_n: u64,
        new_n: u64,
        maymove: bool,
    },
    DontNeed {
        page: u64,
        n: u64,
    },
    Access {
        proc: usize,
        page: Target,
        store: Option<u64>,
    },
    Copy {
        proc: usize,
        page: Target,
        store: Option<u64>,
    },
    Fork {
        proc: usize,
    },
    Exit {
        proc: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let page = 0..PAGES + 2;
    let n = 1..6u64;
    prop_oneof![
                3 => (page.clone(), n.clone(), prot(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(page, n, prot, shared, fixed, populate)| {
                Op::Mmap { page, n, prot, shared, fixed, populate }
            }),
                1 => (0..8usize).prop_map(|n| Op::Reclaim { n }),
        1 => (0..14u64, prop_oneof![Just(0u64), 1..P]).prop_map(|(pages, extra)| Op::Brk { pages, extra }),
        1 => (page.clone(), n.clone()).prop_map(|(page, n)| Op::Munmap { page, n }),
        2 => (page.clone(), n.clone(), prot()).prop_map(|(page, n, prot)| Op::Mprotect { page, n, prot }),
        2 => (page.clone(), n.clone(), n.clone(), any::<bool>())
            .prop_map(|(page, old_n, new_n, maymove)| Op::Mremap { page, old_n, new_n, maymove }),
        1 => (page.clone(), n).prop_map(|(page, n)| Op::DontNeed { page, n }),
        8 => (0..4usize, target(), prop::option::of(1..1000u64))
            .prop_map(|(proc, page, store)| Op::Access { proc, page, store }),
        3 => (0..4usize, target(), prop::option::of(1..1000u64))
            .prop_map(|(proc, page, store)| Op::Copy { proc, page, store }),
        1 => (0..4usize).prop_map(|proc| Op::Fork { proc }),
        1 => (0..4usize).prop_map(|proc| Op::Exit { proc }),
    ]
}

impl World {
    fn new() -> World {
        let frames = Arc::new(MemoryFileAllocator::new(4096 * P));
        let mut mm = MemoryManager::new(frames.clone(), layout(), Limits::default());
        mm.set_start_brk(START_BRK);
        World {
            frames,
            memfile: HashMap::new(),
            objects: Objects::default(),
            cur: 0,
            procs: vec![Proc {
                mm,
                platform: Platform::new(),
                model: Model {
                    pages: BTreeMap::new(),
                    brk: START_BRK,
                },
            }],
        }
    }

    /// Applies the ops recorded by process `i` to its platform and the memory file.
    fn apply(&mut self, i: usize) {
        let ops = self.procs[i].mm.take_ops();
        for op in ops {
            match op {
                PlatformOp::Map {
                    addr: a,
                    len,
                    prot,
                    file_offset,
                } => {
                    for k in 0..len / P {
                        self.procs[i]
                            .platform
                            .insert(a + k * P, (file_offset + k * P, prot));
                    }
                }
                PlatformOp::Unmap { addr: a, len } => {
                    for k in 0..len / P {
                        self.procs[i].platform.remove(&(a + k * P));
                    }
                }
                PlatformOp::Protect { addr: a, len, prot } => {
                    for k in 0..len / P {
                        let e = self.procs[i].platform.get_mut(&(a + k * P));
                        let e = e.expect("Protect on a page the platform does not map");
                        e.1 = prot;
                    }
                }
                PlatformOp::Zero { file_offset, len } => {
                    for k in 0..len / P {
                        self.memfile.insert(file_offset + k * P, 0);
                    }
                }
                PlatformOp::Copy {
                    src_offset,
                    dst_offset,
                    len,
                } => {
                    for k in 0..len / P {
                        let v = self
                            .memfile
                            .get(&(src_offset + k * P))
                            .copied()
                            .unwrap_or(0);
                        self.memfile.insert(dst_offset + k * P, v);
                    }
                }
            }
        }
    }

    fn model_value(&self, i: usize, pg: u64) -> u64 {
        match self.procs[i].model.pages[&pg].kind {
            Kind::Private(v) => v,
            Kind::Shared { obj, index } => {
                self.objects.values.get(&(obj, index)).copied().unwrap_or(0)
            }
        }
    }

    fn model_store(&mut self, i: usize, pg: u64, v: u64) {
        let page = self.procs[i]
            .model
            .pages
            .get_mut(&pg)
            .expect("store to a mapped page");
        match &mut page.kind {
            Kind::Private(x) => *x = v,
            Kind::Shared { obj, index } => {
                self.objects.values.insert((*obj, *index), v);
            }
        }
    }

    /// The fault the model expects for an access, if any.
    fn expected_fault(&self, i: usize, pg: u64, access: AccessType) -> Option<Fault> {
        let Some(p) = self.procs[i].model.pages.get(&pg) else {
            return Some(Fault::MapErr);
        };
        if !access.allowed_by(p.prot) {
            return Some(Fault::AccErr);
        }
        if let Kind::Shared { obj, index } = p.kind {
            if index >= self.objects.sizes[&obj] {
                return Some(Fault::Bus);
            }
        }
        None
    }

    /// Replaces model pages `[pg, pg + n)` with a fresh mapping.
    fn model_map(&mut self, i: usize, pg: u64, n: u64, prot: ProtFlags, obj: Option<u64>) {
        for k in 0..n {
            let kind = match obj {
                Some(obj) => Kind::Shared { obj, index: k },
                None => Kind::Private(0),
            };
            self.procs[i]
                .model
                .pages
                .insert(pg + k, MPage { prot, kind });
        }
    }

    fn step(&mut self, proc: usize, op: &Op) {
        let nprocs = self.procs.len();
        self.cur = proc % nprocs;
        match *op {
            Op::Brk { pages, extra } => self.brk(START_BRK + pages * P + extra),
            Op::Reclaim { n } => {
                let frames = self.frames.take_reclaimable(n);
                for f in &frames {
                    // A punched hole reads as zero.
                    self.memfile.insert(f.file_offset(), 0);
                }
                self.frames.return_reclaimed(frames);
            }
            Op::Mmap {
                page,
                n,
                prot,
                shared,
                fixed,
                populate,
            } => {
                let i = self.cur;
                let flags = if shared { 0x21 } else { 0x22 }
                    | if fixed { 0x10 } else { 0 }
                    | if populate { 0x8000 } else { 0 };
                let req = MmapRequest {
                    addr: if fixed { addr(page) } else { 0 },
                    len: n * P,
                    prot: u64::from(prot),
                    flags,
                    ..Default::default()
                };
                let got = self.procs[i].mm.mmap(req);
                let want = if fixed {
                    (page + n <= PAGES).then_some(page)
                } else {
                    self.procs[i].model.place(n)
                };
                match want {
                    Some(pg) => {
                        assert_eq!(got, Ok(addr(pg)), "{op:?}");
                        let obj = shared.then(|| {
                            match self.procs[i]
                                .mm
                                .find_vma(addr(pg))
                                .map(|v| v.backing().clone())
                            {
                                Some(Backing::SharedAnonymous { object, .. }) => object.ino(),
                                other => panic!("shared mapping has backing {other:?}"),
                            }
                        });
                        if let Some(obj) = obj {
                            self.objects.sizes.insert(obj, n);
                        }
                        self.model_map(i, pg, n, ProtFlags::from_bits_truncate(prot), obj);
                    }
                    None => assert_eq!(got, Err(Errno::ENOMEM), "{op:?}"),
                }
            }
            Op::Munmap { page, n } => {
                let got = self.procs[self.cur].mm.munmap(addr(page), n * P);
                if page + n > PAGES {
                    assert_eq!(got, Err(Errno::EINVAL));
                } else {
                    assert_eq!(got, Ok(()));
                    for k in page..page + n {
                        self.procs[self.cur].model.pages.remove(&k);
                    }
                }
            }
            Op::Mprotect { page, n, prot } => {
                let got = self.procs[self.cur]
                    .mm
                    .mprotect(addr(page), n * P, u64::from(prot));
                let mut want = Ok(());
                for k in page..page + n {
                    match self.procs[self.cur].model.pages.get_mut(&k) {
                        Some(p) => p.prot = ProtFlags::from_bits_truncate(prot),
                        None => {
                            want = Err(Errno::ENOMEM);
                            break;
                        }
                    }
                }
                assert_eq!(got, want, "{op:?}");
            }
            Op::Mremap {
                page,
                old_n,
                new_n,
                maymove,
            } => self.mremap(page, old_n, new_n, maymove),
            Op::DontNeed { page, n } => {
                let got = self.procs[self.cur].mm.madvise(addr(page), n * P, 4);
                let mut want = Ok(());
                for k in page..page + n {
                    match self.procs[self.cur].model.pages.get_mut(&k) {
                        Some(MPage {
                            kind: Kind::Private(v),
                            ..
                        }) => *v = 0,
                        Some(_) => {}
                        None => want = Err(Errno::ENOMEM),
                    }
                }
                assert_eq!(got, want, "{op:?}");
            }
            Op::Access { proc, page, store } => {
                let i = proc % nprocs;
                self.access(i, page.resolve(&self.procs[i].model), store)
            }
            Op::Copy { proc, page, store } => {
                let i = proc % nprocs;
                self.copy(i, page.resolve(&self.procs[i].model), store)
            }
            Op::Fork { proc } => {
                let i = proc % nprocs;
                let child = self.procs[i].mm.fork().expect("fork");
                let model = self.procs[i].model.clone();
                self.procs.push(Proc {
                    mm: child,
                    platform: Platform::new(),
                    model,
                });
            }
            Op::Exit { proc } => {
                if nprocs > 1 {
                    self.procs.remove(proc % nprocs);
                }
            }
        }
        for i in 0..self.procs.len() {
            self.apply(i);
        }
    }

    fn brk(&mut self, want: u64) {
        let got = self.procs[self.cur].mm.brk(want);
        let m = &mut self.procs[self.cur].model;
        let old = m.brk;
        let page_up = |a: u64| (a - BASE).div_ceil(P);
        let (old_top, new_top) = (page_up(old), page_up(want));
        let expected = if want < START_BRK || new_top > PAGES {
            old
        } else if new_top <= old_top {
            for k in new_top..old_top {
                m.pages.remove(&k);
            }
            want
        } else if (old_top..new_top + 1).any(|k| m.pages.contains_key(&k)) {
            old
        } else {
            for k in old_top..new_top {
                let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
                m.pages.insert(
                    k,
                    MPage {
                        prot,
                        kind: Kind::Private(0),
                    },
                );
            }
            want
        };
        m.brk = expected;
        assert_eq!(got, expected, "brk({want:#x}) from {old:#x}");
    }

    fn mremap(&mut self, page: u64, old_n: u64, new_n: u64, maymove: bool) {
        let got =
            self.procs[self.cur]
                .mm
                .mremap(addr(page), old_n * P, new_n * P, u64::from(maymove), 0);
        let m = &self.procs[self.cur].model;
        let ctx = format!("mremap({page}, {old_n}, {new_n}, {maymove})");
        let Some((_, end)) = m.area_of(page) else {
            assert_eq!(got, Err(Errno::EFAULT), "{ctx}");
            return;
        };
        if page + old_n > end {
            assert_eq!(got, Err(Errno::EFAULT), "{ctx}");
            return;
        }
        if new_n <= old_n {
            assert_eq!(got, Ok(addr(page)), "{ctx}");
            for k in page + new_n..page + old_n {
                self.procs[self.cur].model.pages.remove(&k);
            }
            return;
        }
        let grow = new_n - old_n;
        let in_place = page + old_n == end
            && end + grow <= PAGES
            && (end..end + grow).all(|k| !m.pages.contains_key(&k));
        let src: Vec<MPage> = (page..page + old_n).map(|k| m.pages[&k]).collect();
        let extend = |k: u64| {
            let last = src[src.len() - 1];
            let kind = match last.kind {
                Kind::Private(_) => Kind::Private(0),
                Kind::Shared { obj, index } => Kind::Shared {
                    obj,
                    index: index + 1 + k,
                },
            };
            MPage {
                prot: last.prot,
                kind,
            }
        };
        let dest = if in_place {
            page
        } else if !maymove {
            assert_eq!(got, Err(Errno::ENOMEM), "{ctx}");
            return;
        } else {
            match m.place(new_n) {
                Some(d) => d,
                None => {
                    assert_eq!(got, Err(Errno::ENOMEM), "{ctx}");
                    return;
                }
            }
        };
        assert_eq!(got, Ok(addr(dest)), "{ctx}");
        let pages = &mut self.procs[self.cur].model.pages;
        for k in page..page + old_n {
            pages.remove(&k);
        }
        for (k, p) in src.iter().enumerate() {
            pages.insert(dest + k as u64, *p);
        }
        for k in 0..grow {
            pages.insert(dest + old_n + k, extend(k));
        }
    }

    /// An application load or store through the simulated platform.
    fn access(&mut self, i: usize, pg: u64, store: Option<u64>) {
        let a = addr(pg);
        let access = if store.is_some() {
            AccessType::Write
        } else {
            AccessType::Read
        };
        let allowed = |w: &World| {
            w.procs[i]
                .platform
                .get(&a)
                .filter(|(_, p)| access.allowed_by(*p))
                .copied()
        };
        let (off, _) = match allowed(self) {
            Some(m) => m,
            None => {
                let got = self.procs[i].mm.handle_fault(a, access);
                self.apply(i);
                let want = self.expected_fault(i, pg, access);
                assert_eq!(got.err(), want, "fault at page {pg} ({access:?})");
                if want.is_some() {
                    return;
                }
                allowed(self).expect("page not mapped with access after a resolved fault")
            }
        };
        assert!(
            self.expected_fault(i, pg, access).is_none(),
            "platform allowed a forbidden access"
        );
        match store {
            Some(v) => {
                self.memfile.insert(off, v);
                self.model_store(i, pg, v);
            }
            None => {
                let got = self.memfile.get(&off).copied().unwrap_or(0);
                assert_eq!(
                    got,
                    self.model_value(i, pg),
                    "load at page {pg} of proc {i}"
                );
            }
        }
    }

    /// A kernel copy-in/out of one page through `translate`.
    fn copy(&mut self, i: usize, pg: u64, store: Option<u64>) {
        let got = self.procs[i].mm.translate(addr(pg), P, store.is_some());
        self.apply(i);
        let access = if store.is_some() {
            AccessType::Write
        } else {
            AccessType::Read
        };
        match self.expected_fault(i, pg, access) {
            Some(_) => assert_eq!(got, Err(Errno::EFAULT)),
            None => {
                let segs = got.expect("translate");
                assert_eq!(segs.len(), 1);
                assert_eq!(segs[0].len, P);
                let off = segs[0].file_offset;
                match store {
                    Some(v) => {
                        self.memfile.insert(off, v);
                        self.model_store(i, pg, v);
                    }
                    None => {
                        let got = self.memfile.get(&off).copied().unwrap_or(0);
                        assert_eq!(got, self.model_value(i, pg), "copy-in at page {pg}");
                    }
                }
            }
        }
    }

    fn check(&self) {
        let mut refs: HashMap<u64, (u32, bool)> = HashMap::new();
        for (i, p) in self.procs.iter().enumerate() {
            let areas: Vec<_> =
                p.mm.vmas()
                    .map(|v| {
                        let shared = match v.backing() {
                            Backing::SharedAnonymous { object, offset } => {
                                Some((object.ino(), offset / P))
                            }
                            _ => None,
                        };
                        (
                            (v.start() - BASE) / P,
                            (v.end() - BASE) / P,
                            v.prot(),
                            shared,
                        )
                    })
                    .collect();
            assert_eq!(areas, p.model.areas(), "areas of proc {i}");
            let mut expected_platform = Platform::new();
            for page in p.mm.populated_pages() {
                let v =
                    p.mm.find_vma(page.addr)
                        .expect("populated page outside any area");
                let e = refs.entry(page.file_offset).or_insert((0, false));
                e.0 += 1;
                e.1 |= !v.is_private();
                if let Some(prot) = page.mapped {
                    expected_platform.insert(page.addr, (page.file_offset, prot));
                }
            }
            assert_eq!(p.platform, expected_platform, "platform view of proc {i}");
        }
        for (off, (n, shared)) in refs {
            let rc = self.frames.refcount(mm::Frame(off / P));
            assert_eq!(rc, n + u32::from(shared), "refcount of frame at {off:#x}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn matches_reference_model(ops in prop::collection::vec((0..4usize, op()), 1..80)) {
        let mut w = World::new();
                for (proc, op) in &ops {
            w.step(*proc, op);
            w.check();
        }
        let frames = w.frames.clone();
        drop(w);
        prop_assert_eq!(frames.in_use(), 0, "frames leaked");
    }
}
