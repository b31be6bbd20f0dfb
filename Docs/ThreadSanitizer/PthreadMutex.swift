// Not part of any target. For a thread-sanitizer run only (Architecture.md, "Thread sanitizer"):
// copy this file into every target that uses `Mutex` (Sources/FabricCore, FabricReactor,
// FabricTransport, FabricActorSystem, FabricTestKit; Tests/FabricActorSystemTests,
// FabricReactorTests, FabricTestKitTests), build with `--sanitize=thread` into its own scratch
// path, and delete the copies again (FabricCore must not import Glibc; PackageRulesTests checks).
//
// Why: on Linux, `Synchronization.Mutex` takes and hands over a contended lock with
// FUTEX_LOCK_PI / FUTEX_UNLOCK_PI inside libswiftSynchronization.so, which is not instrumented,
// so TSan does not see the release→acquire edge and reports every access the lock guards when
// two threads met on it. pthread mutexes are intercepted by TSan (and checked for lock-order
// inversions). A module's own `Mutex` shadows the imported one; this has the API Fabric uses.
import Glibc

final class Mutex<Value>: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ initialValue: Value) {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }

    func withLockIfAvailable<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result? {
        guard pthread_mutex_trylock(lock) == 0 else { return nil }
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }
}
