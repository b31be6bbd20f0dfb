import FabricCore
import FabricReactor
import Glibc
import Synchronization
import Testing

/// Runs `body` on `loop` and returns its result.
func onLoop<Result: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        loop.execute { continuation.resume(returning: body()) }
    }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; whether it held.
func eventually(
    timeout: Duration = .seconds(20), _ condition: @Sendable () async -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// A value only touched on one loop's thread, carried through `@Sendable` closures.
final class LoopBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Deterministic bytes: a stream of a simple LCG's high bytes, different per `seed`.
func patternBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 56)
    }
    return bytes
}

/// A seeded random number generator (SplitMix64) so failures replay.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// A stream delegate that records everything, for tests. Loop-confined.
final class RecordingDelegate: ByteStreamDelegate, @unchecked Sendable {
    var received: [UInt8] = []
    var closeCount = 0
    var closeError: ReactorError?
    var writabilityChanges: [Bool] = []
    /// When set, every byte read is written back (an echo server).
    var echoes = false
    /// Called after each read with the stream.
    var onRead: ((any ByteStream) -> Void)?

    init(echoes: Bool = false) { self.echoes = echoes }

    func streamDidRead(_ stream: any ByteStream, _ bytes: UnsafeRawBufferPointer) {
        if echoes {
            stream.write(bytes)
        } else {
            received.append(contentsOf: bytes)
        }
        onRead?(stream)
    }

    func streamWritabilityChanged(_ stream: any ByteStream, isWritable: Bool) {
        writabilityChanges.append(isWritable)
    }

    func streamDidClose(_ stream: any ByteStream, error: ReactorError?) {
        closeCount += 1
        closeError = error
        onRead = nil
    }
}

/// What a test server saw: its accepted streams and their delegates.
final class ServerRecord: @unchecked Sendable {
    private let lock = Mutex<[(TCPStream, RecordingDelegate)]>([])

    func add(_ stream: TCPStream, _ delegate: RecordingDelegate) {
        lock.withLock { $0.append((stream, delegate)) }
    }

    var accepted: [(TCPStream, RecordingDelegate)] { lock.withLock { $0 } }
    var count: Int { lock.withLock { $0.count } }
}

/// Binds a loopback listener whose accepted streams get a fresh `RecordingDelegate` each,
/// configured by `configure` and started (unless `configure` returns false).
func makeServer(
    group: EventLoopGroup, acceptBackoff: Duration = .milliseconds(100), backlog: Int32 = 128,
    configure: @escaping @Sendable (TCPStream, RecordingDelegate) -> Bool = { _, _ in true }
) throws -> (TCPListener, ServerRecord) {
    let record = ServerRecord()
    let listener = try TCPListener.bind(
        host: "127.0.0.1", port: 0, group: group, backlog: backlog, acceptBackoff: acceptBackoff
    ) { stream in
        let delegate = RecordingDelegate()
        stream.delegate = delegate
        record.add(stream, delegate)
        if configure(stream, delegate) { stream.start() }
    }
    return (listener, record)
}

/// Connects on `loop` and returns the result (the stream not started yet).
func connect(
    host: String = "127.0.0.1", port: UInt16, on loop: EventLoop, timeout: Duration = .seconds(5)
) async -> Result<TCPStream, ReactorError> {
    await withCheckedContinuation { continuation in
        loop.execute {
            TCPStream.connect(host: host, port: port, on: loop, timeout: timeout) { result in
                continuation.resume(returning: result)
            }
        }
    }
}

/// Connects and starts a client stream with a `RecordingDelegate`.
func connectClient(port: UInt16, on loop: EventLoop) async throws -> (TCPStream, RecordingDelegate) {
    let stream = try await connect(port: port, on: loop).get()
    let delegate = RecordingDelegate()
    await onLoop(loop) {
        stream.delegate = delegate
        stream.start()
    }
    return (stream, delegate)
}
