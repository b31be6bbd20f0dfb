import Distributed
import FabricCore
import Synchronization

/// Runs a distributed target with its parameter and return types resolved once per target.
///
/// The standard library's `executeDistributedTarget` demangles the target's parameter and return
/// types on every call (several microseconds, the largest cost of the receive path). This type
/// does the same lookups once per target identifier, keeps the results, and then calls the
/// runtime entry point that `executeDistributedTarget` itself ends in. That entry point is
/// underscored runtime API: everything that touches it is in this one file, and the public path
/// is used wherever this one does not apply (generic targets, a failed lookup) — see
/// `FabricActorSystem.execute`. A test runs the same calls through both and compares.
final class TargetInvoker: Sendable {
    /// What the runtime needs to call one non-generic target.
    struct Signature: @unchecked Sendable {
        /// The parameter types, in a buffer that lives as long as the process (the runtime only
        /// reads it; one per distinct target, and targets are checked before they get here).
        let argumentTypes: UnsafeMutablePointer<any Any.Type>
        /// The target's mangled name, in memory that stays put across the call's suspensions.
        let name: UnsafeMutablePointer<UInt8>
        let nameLength: Int
        let returnType: any Any.Type
        let returnsVoid: Bool
        /// The return type as `Codable`, checked once (nil for Void or a non-Codable type).
        let codableReturnType: (any Codable.Type)?
    }

    private let signatures = Mutex<[String: Signature?]>([:])
    /// Distinct targets remembered; past this the public path is used for new ones.
    private static let signaturesMax = Limits.targetSignaturesMax

    /// How many targets have a cached signature (tests).
    var cachedTargetCount: Int? { signatures.withLock { table in table.values.filter { $0 != nil }.count } }

    /// The cached signature of `target`, resolving it on first use; nil when the fast path
    /// does not apply (a generic target, or the runtime cannot resolve it).
    func signature(of target: String) -> Signature? {
        if let known = signatures.withLock({ $0[target] }) { return known }
        let resolved = Self.resolve(target)
        signatures.withLock { table in
            if table.count < Self.signaturesMax { table[target] = resolved }
        }
        return resolved
    }

    private static func resolve(_ target: String) -> Signature? {
        var name = Array(target.utf8)
        return name.withUnsafeMutableBufferPointer { utf8 -> Signature? in
            guard let start = utf8.baseAddress else { return nil }
            let length = UInt(utf8.count)
            guard _getGenericEnvironmentOfDistributedTarget(start, length) == nil else { return nil }
            let count = __getParameterCount(start, length)
            guard count >= 0, count <= Int32(Limits.argumentsMax) else { return nil }
            let types = UnsafeMutablePointer<any Any.Type>.allocate(capacity: max(1, Int(count)))
            let decoded = fabricGetParameterTypeInfo(start, length, nil, nil, UnsafeMutableRawPointer(types), Int(count))
            guard decoded == count, let returnType = __getReturnTypeInfo(start, length, nil, nil) else {
                types.deallocate()
                return nil
            }
            let stableName = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count)
            stableName.initialize(from: start, count: utf8.count)
            return Signature(
                argumentTypes: types, name: stableName, nameLength: utf8.count, returnType: returnType,
                returnsVoid: returnType == Void.self, codableReturnType: returnType as? any Codable.Type)
        }
    }

    /// Runs `target` on `actor` and reports the outcome to `handler`, like
    /// `executeDistributedTarget` does.
    nonisolated(nonsending) func invoke(
        _ signature: Signature, on actor: any DistributedActor,
        decoder: inout FabricInvocationDecoder, handler: FabricResultHandler
    ) async throws {
        // A `Void` result has no bytes: its calls share one buffer instead of allocating one.
        let result = signature.returnsVoid ? ResultBuffer.void : ResultBuffer(signature.returnType)
        defer { if !signature.returnsVoid { result.deallocate() } }
        do {
            try await fabricExecuteDistributedTarget(
                on: actor, signature.name, UInt(signature.nameLength), argumentDecoder: &decoder,
                argumentTypes: UnsafeRawPointer(signature.argumentTypes), resultBuffer: result.pointer,
                substitutions: nil, witnessTables: nil, numWitnessTables: 0)
        } catch {
            try await handler.onThrow(error: error)
            return
        }
        if signature.returnsVoid {
            try await handler.onReturnVoid()
        } else {
            try await result.deliver(signature.codableReturnType, to: handler)
        }
    }
}

/// Memory for one call's result, typed by a metatype known only at run time.
private struct ResultBuffer: @unchecked Sendable {
    let type: any Any.Type
    let pointer: UnsafeMutableRawPointer

    /// The buffer of every `Void` result: nothing is ever written to it (size 0), so it is
    /// shared by all calls and never freed.
    static let void = ResultBuffer(Void.self)

    init(_ type: any Any.Type) {
        func allocate<R>(_: R.Type) -> UnsafeMutableRawPointer {
            UnsafeMutableRawPointer(UnsafeMutablePointer<R>.allocate(capacity: 1))
        }
        self.type = type
        self.pointer = _openExistential(type, do: allocate)
    }

    /// Moves the (initialised) result out and hands it to the handler as its `Codable` type.
    nonisolated(nonsending) func deliver(_ codableType: (any Codable.Type)?, to handler: FabricResultHandler) async throws {
        guard let codable = codableType else {
            throw FabricError.serialization("the result type \(type) is not Codable")
        }
        try await deliver(codable, to: handler)
    }

    private nonisolated(nonsending) func deliver<R: Codable>(_: R.Type, to handler: FabricResultHandler) async throws {
        let value = pointer.assumingMemoryBound(to: R.self).move()
        try await handler.onReturn(value: value)
    }

    func deallocate() {
        pointer.deallocate()
    }
}

@_silgen_name("swift_func_getParameterTypeInfo")
private func fabricGetParameterTypeInfo(
    _ typeNameStart: UnsafePointer<UInt8>, _ typeNameLength: UInt, _ genericEnvironment: UnsafeRawPointer?,
    _ genericArguments: UnsafeRawPointer?, _ types: UnsafeMutableRawPointer, _ typesLength: Int
) -> Int32

@_silgen_name("swift_distributed_execute_target")
private func fabricExecuteDistributedTarget<D: DistributedTargetInvocationDecoder>(
    on actor: AnyObject, _ targetName: UnsafePointer<UInt8>, _ targetNameLength: UInt,
    argumentDecoder: inout D, argumentTypes: UnsafeRawPointer, resultBuffer: UnsafeMutableRawPointer,
    substitutions: UnsafeRawPointer?, witnessTables: UnsafeRawPointer?, numWitnessTables: UInt
) async throws
