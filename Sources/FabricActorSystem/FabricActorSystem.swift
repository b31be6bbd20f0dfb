import Distributed
import FabricCore
import FabricReactor
import FabricTransport
import FabricWire
import Synchronization

/// Fabric's `DistributedActorSystem`: it gives distributed actors their IDs, finds them, and
/// carries calls between nodes over Fabric's transport.
///
/// ```swift
/// distributed actor Greeter {
///     typealias ActorSystem = FabricActorSystem
///     distributed func greet(name: String) -> String { "Hello, \(name)!" }
/// }
/// let greeter = try system.make(name: "greeter") { Greeter(actorSystem: system) }
/// let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: system)
/// print(try await remote.greet(name: "Ada"))
/// ```
///
/// Calls to a local actor never touch the wire. Remote calls fail with a `FabricError`:
/// `timeout`, `nodeUnreachable`, `nodeDown`, `remoteError`, `serialization`, `rejected`.
public final class FabricActorSystem: DistributedActorSystem, @unchecked Sendable {
    /// Actors are identified by node, generation and path.
    public typealias ActorID = FabricCore.ActorID
    /// Arguments, results and errors are `Codable`.
    public typealias SerializationRequirement = Codable
    /// Encodes a call's arguments.
    public typealias InvocationEncoder = FabricInvocationEncoder
    /// Decodes a call's arguments on the receiving node.
    public typealias InvocationDecoder = FabricInvocationDecoder
    /// Sends a call's result back.
    public typealias ResultHandler = FabricResultHandler

    /// This node's name.
    public let node: NodeId
    /// This process's generation (random, fixed for its life).
    public let generation: UInt64

    package let transport: Transport
    package let group: EventLoopGroup
    /// The clock calls read their deadlines on: the transport configuration's, which is the one
    /// the loops arm those deadlines on (checked in `init`).
    package let clock: LoopClock
    let registry = ActorRegistry()
    let types = TypeRegistry()
    let targets = TargetValidator()
    let invoker = TargetInvoker()
    /// Whether incoming calls use `TargetInvoker` (types resolved once per target) where it
    /// applies; tests turn it off to compare with the standard library's path.
    nonisolated(unsafe) var usesCachedTargets = true
    let counters = ActorSystemCounters()
    private let nextCallID = Atomic<UInt64>(0)
    /// The encoded recipient and target of the last call sent (`CallHeaderMemo`).
    let callHeaderMemo = Mutex(CallHeaderMemo())
    let limits: Limits
    let logSink: LogSink
    /// Cluster event subscriptions, and the nodes up now for their replay.
    let clusterEventHub: ClusterEventHub
    /// Actors made with `make(name:)`, kept alive until `release(name:)`.
    let wellKnownActors = Mutex<[String: any DistributedActor]>([:])
    /// The executor of the only loop, when there is one (`loopExecutor(for:)` runs at every hop).
    private let onlyLoopExecutor: UnownedSerialExecutor?
    /// Owned here so that the transport can refer to this system without a weak reference to
    /// it (see `TransportDelegateBox`). Set once in `init`.
    private var transportDelegateBox: TransportDelegateBox?

    /// The path `assignID` gives the actor being made inside `make(name:)`.
    @TaskLocal static var reservedPath: String?
    /// Runs `body` recording the target identifiers of the remote calls it makes (tests of the
    /// receive path need real identifiers of other types).
    static func recordingTargets<T>(in log: TargetIdentifierLog, _ body: () async throws -> T) async rethrows -> T {
        var scope = CallContext.current
        scope.targetLog = log
        return try await CallContext.$current.withValue(scope) { try await body() }
    }

    package init(transport: Transport, log: @escaping LogSink) {
        self.transport = transport
        self.group = transport.group
        let clock = LoopClock(transport.configuration.clock)
        precondition(
            transport.group.clock.isSame(as: clock),
            "the event loop group runs on \(transport.group.clock) but the transport is configured with \(clock): "
                + "a call's deadline is read on one and armed on the other, so they must be one clock")
        self.clock = clock
        self.node = transport.configuration.node
        self.generation = transport.configuration.generation
        self.limits = transport.configuration.limits
        clusterEventHub = ClusterEventHub(bufferedMax: transport.configuration.limits.clusterEventsBufferedMax)
        self.logSink = log
        onlyLoopExecutor = transport.group.loops.count == 1 ? transport.group.loops[0].asUnownedSerialExecutor() : nil
        // The coders carry the system in `userInfo` (actor references decode through it),
        // without keeping it alive: it owns them (`BinaryCodingContext`).
        binaryEncoder.context = UnownedCodingContext(self)
        binaryDecoder.context = UnownedCodingContext(self)
        let box = TransportDelegateBox(self)
        transportDelegateBox = box
        transport.delegateBox = box
        transport.retainDelegate(self)
    }

    func makeCallID() -> UInt64 { nextCallID.add(1, ordering: .relaxed).newValue }

    /// The encoder every argument and result goes through; it carries this system so that actor
    /// references can be encoded and decoded as arguments.
    /// Made once in `init`: building their `userInfo` per call costs an allocation.
    private(set) var binaryEncoder = BinaryEncoder()
    private(set) var binaryDecoder = BinaryDecoder()

    // MARK: Registration of types

    /// Makes `type` usable as a generic argument of incoming calls. Types this process has sent
    /// as generic arguments itself are registered already.
    public func register(_ type: any Any.Type) {
        types.register(type)
    }

    /// Makes remote errors of type `E` come back to callers as themselves (instead of a
    /// `FabricError.remoteError` with the type's name and the error's description).
    public func registerError<E: Error & Codable>(_ type: E.Type) {
        types.registerError(type)
    }

    /// The executor of one of this system's event loops, always the same one for `id`. An
    /// actor that returns it from `unownedExecutor` runs its calls on that loop: a call read on
    /// that loop runs, answers and is flushed on one thread with no hop.
    ///
    /// ```swift
    /// nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }
    /// ```
    public nonisolated func loopExecutor(for id: ActorID) -> UnownedSerialExecutor {
        if let onlyLoopExecutor { return onlyLoopExecutor }
        return eventLoop(for: id).asUnownedSerialExecutor()
    }

    /// The event loop whose executor `loopExecutor(for: id)` returns: an actor that runs there
    /// schedules its timers on it.
    package nonisolated func eventLoop(for id: ActorID) -> EventLoop {
        let loops = group.loops
        guard loops.count > 1 else { return loops[0] }
        // The runtime asks for an actor's executor at every hop, so this is on the hot path:
        // FNV-1a over the path (stable across runs, unlike `Hasher`, and cheaper).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.path.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return loops[Int(hash % UInt64(loops.count))]
    }

    /// A task executor on one of this system's event loops, for
    /// `withTaskExecutorPreference` (callers that want to stay on a loop).
    public func loopTaskExecutor() -> any TaskExecutor {
        group.next()
    }

    /// One of the call path's counters, for `FabricNode.stats`.
    package func statistic(_ counter: ActorSystemCounters.Counter) -> UInt64 {
        counters.value(counter)
    }

    package func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        logSink(level, message())
    }
}

/// Records target identifiers (tests of the receive path need real ones of other types).
final class TargetIdentifierLog: Sendable {
    let identifiers = Mutex<[String]>([])
    func record(_ identifier: String) { identifiers.withLock { $0.append(identifier) } }
}

/// Counters of the call path, for stats and tests.
package final class ActorSystemCounters: Sendable {
    package enum Counter: Sendable { case callsSent, callsReceived, oneWayReceived, oneWayErrors, rejectedTargets, badEnvelopes }

    private let callsSent = Atomic<UInt64>(0)
    private let callsReceived = Atomic<UInt64>(0)
    private let oneWayReceived = Atomic<UInt64>(0)
    private let oneWayErrors = Atomic<UInt64>(0)
    private let rejectedTargets = Atomic<UInt64>(0)
    private let badEnvelopes = Atomic<UInt64>(0)

    func add(_ counter: Counter) {
        switch counter {
        case .callsSent: callsSent.wrappingAdd(1, ordering: .relaxed)
        case .callsReceived: callsReceived.wrappingAdd(1, ordering: .relaxed)
        case .oneWayReceived: oneWayReceived.wrappingAdd(1, ordering: .relaxed)
        case .oneWayErrors: oneWayErrors.wrappingAdd(1, ordering: .relaxed)
        case .rejectedTargets: rejectedTargets.wrappingAdd(1, ordering: .relaxed)
        case .badEnvelopes: badEnvelopes.wrappingAdd(1, ordering: .relaxed)
        }
    }

    func value(_ counter: Counter) -> UInt64 {
        switch counter {
        case .callsSent: callsSent.load(ordering: .relaxed)
        case .callsReceived: callsReceived.load(ordering: .relaxed)
        case .oneWayReceived: oneWayReceived.load(ordering: .relaxed)
        case .oneWayErrors: oneWayErrors.load(ordering: .relaxed)
        case .rejectedTargets: rejectedTargets.load(ordering: .relaxed)
        case .badEnvelopes: badEnvelopes.load(ordering: .relaxed)
        }
    }
}

extension FabricActorSystem: BinaryCodingContext {
    package var codingUserInfo: [CodingUserInfoKey: any Sendable] { [.actorSystemKey: self] }
}
