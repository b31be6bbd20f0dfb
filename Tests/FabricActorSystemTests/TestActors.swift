import Synchronization
import Fabric


struct Greeting: Codable, Sendable, Equatable {
    var name: String
    var times: Int
}

struct GreetingRefused: Error, Codable, Equatable {
    var reason: String
}

struct UnregisteredFailure: Error {
    var detail: String
}

distributed actor Greeter {
    typealias ActorSystem = FabricActorSystem
    private var log: [Int] = []

    distributed func greet(_ greeting: Greeting) throws -> [String] {
        guard greeting.times >= 0 else { throw GreetingRefused(reason: "negative times") }
        guard greeting.times < 1000 else { throw UnregisteredFailure(detail: "too many") }
        return Array(repeating: "hello \(greeting.name)", count: greeting.times)
    }

    distributed func slow(milliseconds: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(milliseconds))
        return milliseconds
    }

    distributed func append(_ value: Int) { log.append(value) }

    distributed func appended() -> [Int] { log }

    distributed func identity<T: Codable & Sendable>(_ value: T) -> T { value }

    /// A result as large as asked for, from an argument that is small.
    distributed func filler(_ count: Int) -> [UInt8] { [UInt8](repeating: 1, count: count) }

    /// Calls `other` back: the A→B→A cycle that must not deadlock.
    distributed func askBack(_ other: Greeter, name: String) async throws -> [String] {
        try await other.greet(Greeting(name: name, times: 1))
    }

    /// Calls `other.slow`, inheriting whatever deadline this call arrived with.
    distributed func relaySlow(_ other: Greeter, milliseconds: Int) async throws -> Int {
        try await other.slow(milliseconds: milliseconds)
    }
}

/// A generic actor: its type's parameter is the instance's, whatever a call names.
distributed actor Box<T: Codable & Sendable> {
    typealias ActorSystem = FabricActorSystem
    private let value: T

    init(actorSystem: ActorSystem, value: T) {
        self.actorSystem = actorSystem
        self.value = value
    }

    distributed func get() -> T { value }

    /// Reads nothing stored: run with another `T` it names that type instead of corrupting
    /// memory, so a test sees the hole without crashing.
    distributed func kind() -> String { "\(T.self)" }

    distributed func echo(_ value: T) -> T { value }

    /// Refused: Swift 6.3.1's accessor runs a generic method of a generic actor with its
    /// type's substitution in place of the method's (`U == Int` here, `other` read as an Int).
    distributed func pair<U: Codable & Sendable>(_ other: U) -> String { "\(value) \(other)" }
}

/// A generic actor inside a generic type: both parameters are the instance's.
enum Shelf<A: Sendable> {
    distributed actor Slot<B: Codable & Sendable> {
        typealias ActorSystem = FabricActorSystem
        distributed func kind() -> String { "\(A.self) \(B.self)" }
    }
}

/// A method generic over two parameters, and one with a side effect to see whether a call ran.
distributed actor Pairing {
    typealias ActorSystem = FabricActorSystem
    private var values: [Int] = []

    distributed func both<A: Codable & Sendable, B: Codable & Sendable>(_ a: A, _ b: B) -> String { "\(a) \(b)" }

    distributed func one<A: Codable & Sendable>(_ a: A) -> A { a }

    distributed func append(_ value: Int) { values.append(value) }

    distributed func appended() -> [Int] { values }
}

/// A type registered as a generic argument that satisfies no `Codable` requirement.
struct Opaque {}

distributed actor Bystander {
    typealias ActorSystem = FabricActorSystem
    distributed func poke() -> Int { 42 }
}


/// Runs on one of its system's event loops (the benchmark's setup).
distributed actor LoopCounter {
    typealias ActorSystem = FabricActorSystem
    private var count = 0

    nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }

    distributed func add(_ payload: [UInt8]) { count += 1 }

    distributed func total() -> Int { count }
}

/// Runs on one of its system's event loops and keeps what it was sent, in order.
distributed actor LoopLog {
    typealias ActorSystem = FabricActorSystem
    private var values: [Int] = []

    nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }

    distributed func append(_ value: Int) { values.append(value) }

    distributed func all() -> [Int] { values }

    distributed func twice(_ value: Int) -> Int { value * 2 }

    /// Starts a call to `other` and cancels it within the same loop turn, before the loop has
    /// flushed the call: how the cancellation ends, as a word.
    distributed func callAndCancel(_ other: Greeter) async -> String {
        let task = Task.immediate { try await other.slow(milliseconds: 2_000) }
        task.cancel()
        do {
            _ = try await task.value
            return "completed"
        } catch let error as FabricError {
            return "\(error.code)"
        } catch {
            return "\(error)"
        }
    }
}

/// A gate a test opens: code that waits on it stays suspended until then.
final class TestGate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A log whose one-way appends can be held at a gate (a default actor).
distributed actor GatedLog {
    typealias ActorSystem = FabricActorSystem
    private let gate: TestGate
    private var values: [Int] = []

    init(actorSystem: ActorSystem, gate: TestGate) {
        self.actorSystem = actorSystem
        self.gate = gate
    }

    distributed func appendWhenOpen(_ value: Int) async {
        await gate.wait()
        values.append(value)
    }

    distributed func all() -> [Int] { values }
}

/// The same on the connection's loop.
distributed actor GatedLoopLog {
    typealias ActorSystem = FabricActorSystem
    private let gate: TestGate
    private var values: [Int] = []

    nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }

    init(actorSystem: ActorSystem, gate: TestGate) {
        self.actorSystem = actorSystem
        self.gate = gate
    }

    distributed func appendWhenOpen(_ value: Int) async {
        await gate.wait()
        values.append(value)
    }

    distributed func all() -> [Int] { values }
}
