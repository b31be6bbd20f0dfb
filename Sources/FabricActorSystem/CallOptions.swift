import FabricCore
import FabricReactor

/// How urgent a call is: it travels in the frame's priority bits, and control traffic
/// (`.control`) is written ahead of user traffic.
public struct CallPriority: Hashable, Sendable {
    let raw: UInt8
    /// User traffic (the default).
    public static let normal = CallPriority(raw: 0)
    /// User traffic written ahead of `normal`.
    public static let high = CallPriority(raw: 2)
    /// Cluster machinery (membership, health, consensus), written ahead of user traffic.
    public static let control = CallPriority(raw: 3)
}

/// The options of the calls made inside a `withCallOptions` scope. One task-local holds them
/// all, so a call reads it once (each task-local read walks the task's chain of scopes).
struct CallScope: Sendable {
    /// The absolute deadline of calls in this scope, on `clock`; nested scopes keep the
    /// earlier one.
    var deadline: Instant?
    /// The clock `deadline` was read on. The machine's, unless the scope was made by an actor
    /// system that runs on an injected clock (tests, the simulator); a system that runs on
    /// another clock carries the budget left over to its own (`deadlineAndBudget`).
    var clock = LoopClock.system
    /// Whether `Void` calls in this scope are sent one-way (no reply, no waiting).
    var oneWay = false
    var priority = CallPriority.normal
    /// Tests set this to learn the target identifiers of the calls they make.
    var targetLog: TargetIdentifierLog?
}

enum CallContext {
    @TaskLocal static var current = CallScope()
}

/// Runs `body` with options for every remote call it makes (DESIGN.md §4).
///
/// - `timeout`: calls fail with `timeout` once this much time has passed since the scope began.
///   Nested scopes take the earlier deadline, and a remote method runs with whatever budget its
///   caller had left, so the calls it makes in turn inherit it.
/// - `oneWay`: methods returning `Void` are sent without waiting for a reply; errors on the
///   receiving side are counted there and dropped. A one-way call to a method that returns a
///   value fails with `rejected`. Order is FIFO per (caller, recipient).
///
/// Local calls never touch the wire, so none of these options apply to them.
///
/// ```swift
/// try await withCallOptions(timeout: .milliseconds(200)) {
///     try await greeter.greet(name: "Ada")
/// }
/// ```
public func withCallOptions<T>(
    timeout: Duration? = nil, oneWay: Bool? = nil, priority: CallPriority? = nil,
    _ body: () async throws -> T
) async rethrows -> T {
    var scope = CallContext.current
    if let timeout {
        // The enclosing scope's clock, so that nested deadlines compare (`.system`, one tag
        // check, unless an actor system on an injected clock made that scope).
        let proposed = scope.clock.now + timeout
        scope.deadline = scope.deadline.map { min($0, proposed) } ?? proposed
    }
    if let oneWay { scope.oneWay = oneWay }
    if let priority { scope.priority = priority }
    return try await CallContext.$current.withValue(scope) { try await body() }
}
