//! Guards that keep per-delivery work small without timing anything: they count the heap
//! allocations, on the test's own thread, of the steps a listener or a sender repeats for every
//! delivery. Parsing a body into a tree, copying it, or re-encoding it makes these counts jump.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hookctl::catalogue::Catalogue;
use hookctl::compose::CompiledBody;
use hookctl::compose::{compose, ComposeOptions};
use hookctl::config::{Secret, SecretSource};
use hookctl::inspect::Inspector;
use url::Url;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting allocations per thread.
struct CountingAllocator;

fn count_one() {
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every call goes to the system allocator unchanged; the only addition is a counter in a
// const-initialised thread-local, which itself never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during<T>(work: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = work();
    (result, ALLOCATIONS.with(Cell::get) - before)
}

fn treezor_secret(catalogue: &Catalogue) -> Secret {
    let value = catalogue
        .provider("treezor")
        .unwrap()
        .spec
        .test_secret
        .clone()
        .unwrap();
    Secret {
        value,
        source: SecretSource::BuiltIn,
    }
}

fn options<'a>(
    url: &'a Url,
    secret: &'a Secret,
    compiled: Option<&'a CompiledBody>,
) -> ComposeOptions<'a> {
    ComposeOptions {
        secret: Some(secret),
        compiled,
        ..ComposeOptions::new(url)
    }
}

#[test]
fn inspecting_a_signed_treezor_delivery_reads_its_body_once_and_builds_no_tree() {
    let catalogue = Catalogue::embedded().unwrap();
    let secret = treezor_secret(&catalogue);
    let provider = catalogue.provider("treezor").unwrap();
    let event = provider.event("payin.update").unwrap();
    let url = Url::parse("http://127.0.0.1:8080/").unwrap();
    let delivery = compose(provider, event, &options(&url, &secret, None))
        .unwrap()
        .delivery;
    let inspector =
        Inspector::with_secrets(catalogue.clone(), vec![("treezor".into(), secret)], 300);
    let now = chrono::Utc::now().timestamp();
    inspector.inspect(&delivery, url.as_str(), now);

    let (inspection, allocations) =
        allocations_during(|| inspector.inspect(&delivery, url.as_str(), now));
    assert!(
        inspection.verdict.as_ref().is_some_and(|v| v.is_valid()),
        "{inspection:?}"
    );
    // Seven to nine as written (a signature with escaped `/` takes more): the top level's field
    // list, the signature's text and bytes, the event name and the result. A parsed tree of this
    // 1.4 kB body alone would take over a hundred.
    assert!(
        allocations <= 10,
        "inspecting took {allocations} allocations"
    );
}

#[test]
fn a_compiled_body_is_filled_without_building_a_tree() {
    let catalogue = Catalogue::embedded().unwrap();
    let secret = treezor_secret(&catalogue);
    let provider = catalogue.provider("treezor").unwrap();
    let event = provider.event("payin.update").unwrap();
    let url = Url::parse("http://127.0.0.1:8080/").unwrap();
    let compiled = CompiledBody::compile(
        event,
        provider.spec.body_format,
        &[],
        provider.spec.scheme.in_body(),
    )
    .unwrap();
    compose(provider, event, &options(&url, &secret, Some(&compiled))).unwrap();

    let (rendered, tree) =
        allocations_during(|| compose(provider, event, &options(&url, &secret, None)).unwrap());
    let (filled, slots) = allocations_during(|| {
        compose(provider, event, &options(&url, &secret, Some(&compiled))).unwrap()
    });
    assert!(
        filled.signing == rendered.signing && filled.signing.contains("object_payload_signature"),
        "{}",
        filled.signing
    );
    assert!(
        slots * 3 <= tree,
        "filling took {slots} allocations against {tree} for rendering"
    );
    // About 30 as written (fresh values, headers, the delivery), against about 110.
    assert!(slots <= 32, "filling took {slots} allocations");
}

#[test]
fn a_deliverys_headers_cost_two_allocations_however_many_there_are() {
    use hyper::header::{HeaderMap, HeaderName, HeaderValue};
    let mut map = HeaderMap::new();
    for n in 0..40 {
        let name = HeaderName::from_bytes(format!("x-header-{n}").as_bytes()).unwrap();
        map.append(name, HeaderValue::from_str(&format!("value {n}")).unwrap());
    }
    // What the listener does with every request's headers.
    let (headers, allocations) = allocations_during(|| hookctl::server::copy_headers(&map));
    assert_eq!(headers.len(), 40);
    assert_eq!(headers.get("X-HEADER-39"), Some("value 39"));
    // A string per name and per value would be 80.
    assert!(
        allocations <= 2,
        "copying 40 headers took {allocations} allocations"
    );
    // A value that is not UTF-8 is still kept, lossily.
    map.append("x-binary", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    assert_eq!(
        hookctl::server::copy_headers(&map).get("x-binary"),
        Some("\u{fffd}\u{fffd}")
    );
}

/// Capture writing never holds up the listener: with every capture writer stalled inside the
/// kernel (fanotify holds their `open` until the test allows it), a request that saves nothing is
/// still accepted and answered, and the stalled deliveries are answered, and saved, once allowed.
/// Writing on the async workers instead would leave nothing to answer it on a two-core machine.
/// Needs fanotify (root on Linux): ignored unless asked for; `.ci/run`, as root, runs it.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs root: fanotify"]
fn a_stalled_capture_write_holds_up_only_its_own_delivery() {
    use std::os::fd::AsFd;
    use std::time::Duration;

    use nix::fcntl::AT_FDCWD;
    use nix::poll::{poll, PollFd, PollFlags};
    use nix::sys::fanotify::{
        EventFFlags, Fanotify, FanotifyResponse, InitFlags, MarkFlags, MaskFlags, Response,
    };

    use crate::common::listener::{raw_exchange, Listener};

    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    let fanotify = Fanotify::init(
        InitFlags::FAN_CLASS_CONTENT | InitFlags::FAN_CLOEXEC,
        EventFFlags::O_RDONLY,
    )
    .expect("fanotify is available (root on Linux)");
    // From here on, every open in the capture folder waits for this test's answer.
    fanotify
        .mark(
            MarkFlags::FAN_MARK_ADD,
            MaskFlags::FAN_OPEN_PERM | MaskFlags::FAN_EVENT_ON_CHILD,
            AT_FDCWD,
            Some(dir.path()),
        )
        .unwrap();

    let port = listener.port;
    let post = move || {
        raw_exchange(
            port,
            b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
            Duration::from_secs(60),
        )
    };
    let posts: Vec<_> = (0..4).map(|_| std::thread::spawn(post)).collect();

    // Wait until two writes are stalled: both capture writers (or, were captures written on the
    // async workers, both workers of a two-core machine).
    let mut held = Vec::new();
    while held.len() < 2 {
        let mut ready = [PollFd::new(fanotify.as_fd(), PollFlags::POLLIN)];
        let waited = poll(&mut ready, 30_000u16).unwrap();
        assert!(
            waited > 0,
            "no capture write reached the folder within 30 s"
        );
        held.extend(fanotify.read_events().unwrap());
    }

    let answer = raw_exchange(
        port,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    let answered = answer.contains(" 405 ");

    // Let everything through before asserting, so that a failure does not leave the listener stuck.
    for event in &held {
        if let Some(fd) = event.fd() {
            fanotify
                .write_response(FanotifyResponse::new(fd, Response::FAN_ALLOW))
                .unwrap();
        }
    }
    drop(held);
    drop(fanotify);
    assert!(
        answered,
        "a request was not answered while capture writes were stalled: {answer:?}"
    );
    for post in posts {
        let answer = post.join().unwrap();
        assert!(answer.contains(" 200 "), "{answer:?}");
    }
    listener.take("delivery", 4);
    let saved = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .count();
    assert_eq!(saved, 4, "every answered delivery is saved");
}
