//! Guards that keep per-delivery work small without timing anything: they count the heap
//! allocations, on the test's own thread, of the steps a listener or a sender repeats for every
//! delivery. Parsing a body into a tree, copying it, or re-encoding it makes these counts jump.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hookctl::catalogue::Catalogue;
use hookctl::compose::{compose, Compose};
use hookctl::config::{Secret, SecretSource};
use hookctl::inspect::Inspector;
use hookctl::template::CompiledBody;
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
    let value = catalogue.provider("treezor").unwrap().spec.test_secret.clone().unwrap();
    Secret { value, source: SecretSource::BuiltIn }
}

fn options<'a>(url: &'a Url, secret: &'a Secret, compiled: Option<&'a CompiledBody>) -> Compose<'a> {
    Compose { url, secret: Some(secret), sets: &[], raw_body: None, id: None, now: None, extra_headers: &[], compiled }
}

#[test]
fn inspecting_a_signed_treezor_delivery_reads_its_body_once_and_builds_no_tree() {
    let catalogue = Catalogue::embedded().unwrap();
    let secret = treezor_secret(&catalogue);
    let provider = catalogue.provider("treezor").unwrap();
    let event = provider.event("payin.update").unwrap();
    let url = Url::parse("http://127.0.0.1:8080/").unwrap();
    let delivery = compose(provider, event, &options(&url, &secret, None)).unwrap().delivery;
    let inspector = Inspector::with_secrets(catalogue.clone(), vec![("treezor".into(), secret)], 300);
    let now = chrono::Utc::now().timestamp();
    inspector.inspect(&delivery, url.as_str(), now);

    let (inspection, allocations) = allocations_during(|| inspector.inspect(&delivery, url.as_str(), now));
    assert!(inspection.verdict.as_ref().is_some_and(|v| v.is_valid()), "{inspection:?}");
    // Seven to nine as written (a signature with escaped `/` takes more): the top level's field
    // list, the signature's text and bytes, the event name and the result. A parsed tree of this
    // 1.4 kB body alone would take over a hundred.
    assert!(allocations <= 10, "inspecting took {allocations} allocations");
}

#[test]
fn a_compiled_body_is_filled_without_building_a_tree() {
    let catalogue = Catalogue::embedded().unwrap();
    let secret = treezor_secret(&catalogue);
    let provider = catalogue.provider("treezor").unwrap();
    let event = provider.event("payin.update").unwrap();
    let url = Url::parse("http://127.0.0.1:8080/").unwrap();
    let compiled = CompiledBody::compile(event, provider.spec.body_format, &[], true).unwrap();
    compose(provider, event, &options(&url, &secret, Some(&compiled))).unwrap();

    let (rendered, tree) = allocations_during(|| compose(provider, event, &options(&url, &secret, None)).unwrap());
    let (filled, slots) =
        allocations_during(|| compose(provider, event, &options(&url, &secret, Some(&compiled))).unwrap());
    assert!(filled.note == rendered.note && filled.note.contains("object_payload_signature"), "{}", filled.note);
    assert!(slots * 3 <= tree, "filling took {slots} allocations against {tree} for rendering");
    // About 30 as written (fresh values, headers, the delivery), against about 110.
    assert!(slots <= 32, "filling took {slots} allocations");
}
