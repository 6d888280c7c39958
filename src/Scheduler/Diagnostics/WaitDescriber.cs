using System.Globalization;

namespace Scheduler;

/// <summary>
/// Describes in words what a coroutine waits on, for task dumps and the timeline: <c>sleeping until
/// 00:00:05</c>, <c>joining coroutine 'worker-3' (#4)</c>, <c>reading channel 'orders'</c>, and so on.
/// </summary>
/// <remarks>
/// Where the coroutine is parked (<see cref="IWaiter.ParkKind"/>, its slot, the <see cref="WaiterList"/> it sits
/// in and that list's <see cref="WaiterList.Owner"/>) says what holds it; the value its running frame last
/// yielded (<see cref="System.Collections.IEnumerator.Current"/>) fills in what the source cannot say: whom a
/// join waits for, which socket operation, which .NET task. Loop thread only: it reads the loop's heaps.
/// </remarks>
internal readonly struct WaitDescriber(EventLoop loop)
{
    public string Describe(Coroutine coroutine) => coroutine.State switch
    {
        CoroutineState.Running => "running",
        CoroutineState.Ready => (coroutine._flags & CoroutineFlags.PendingCancel) != 0 ? "ready to end canceled"
            : (coroutine._flags & CoroutineFlags.PendingFault) != 0 ? "ready to end faulted"
            : "ready",
        CoroutineState.Waiting => DescribeParked(coroutine, Yielded(coroutine)),
        _ => coroutine.State.ToString().ToLowerInvariant(),
    };

    /// <summary>What the coroutine's running frame yielded last: the wait it is parked on, as written in its routine.</summary>
    private static object? Yielded(Coroutine coroutine)
    {
        try
        {
            return coroutine._frame?.Current;
        }
        catch (Exception)
        {
            return null; // a hand-written enumerator may refuse Current; the park record still says enough
        }
    }

    private string DescribeParked(IWaiter waiter, object? yielded) => waiter.ParkKind switch
    {
        ParkKind.Timer => "sleeping until " + LoopTimeFormat.Format(loop.TimerDue(waiter)),
        ParkKind.Forever => "sleeping forever (until canceled)",
        ParkKind.Round => string.Create(CultureInfo.InvariantCulture, $"waiting for round {loop.RoundDue(waiter)}"),
        ParkKind.Predicate => DescribePredicate(loop.PredicateOf(waiter)),
        ParkKind.List => DescribeList((WaiterList)waiter.ParkedOn!, waiter, yielded),
        ParkKind.Composite => DescribeComposite((CompositeWaiter)waiter.ParkedOn!, yielded),
        ParkKind.External => DescribeExternal(yielded),
        _ => yielded is null ? "waiting" : $"waiting on {yielded}",
    };

    private string DescribeList(WaiterList list, IWaiter waiter, object? yielded)
    {
        switch (list.Owner)
        {
            case Signal signal:
                return $"waiting for {signal}";
            case CoroutineSemaphore semaphore:
                return semaphore.MaxCount == int.MaxValue
                    ? string.Create(CultureInfo.InvariantCulture, $"acquiring {semaphore} ({semaphore.CurrentCount} free)")
                    : string.Create(CultureInfo.InvariantCulture, $"acquiring {semaphore} ({semaphore.CurrentCount} of {semaphore.MaxCount} free)");
            case CoroutineLock gate:
                return gate.IsAbandoned ? $"acquiring {gate}, abandoned by {gate.Owner}"
                    : gate.Owner is { } owner ? $"acquiring {gate} held by {owner}"
                    : $"acquiring {gate} (handed to another waiter)";
            case IChannelDiagnostics channel when ReferenceEquals(list, channel.Writers):
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"writing {channel.Description} (full, {channel.BufferedCount + channel.HandedCount}/{channel.Limit})");
            case IChannelDiagnostics channel:
                return channel.IsMailbox ? $"receiving from {channel.Description}" : $"reading {channel.Description}";
            case TaskGroup group:
                string live = group.LiveCount == 1 ? "1 live child" : string.Create(CultureInfo.InvariantCulture, $"{group.LiveCount} live children");
                return $"waiting for {(group.Name is null ? "a task group" : $"task group '{group.Name}'")} ({live})";
        }

        // A list without an owner: the joiners of a coroutine, or a socket operation's waiter.
        bool settled = yielded is SettledWait || (waiter is Coroutine c && (c._flags & CoroutineFlags.SettledJoin) != 0);
        Coroutine? joined = yielded switch
        {
            Coroutine target => target,
            SettledWait wait => wait.Target,
            _ => null,
        };
        if (joined is null && IsSocketWait(yielded))
        {
            return DescribeSocket(yielded!.ToString()!);
        }

        joined ??= loop.FindJoinedBy(list);
        return joined is null
            ? yielded is null ? "waiting" : $"waiting on {yielded}"
            : settled ? $"joining {joined}, whatever its outcome" : $"joining {joined}";
    }

    private string DescribeComposite(CompositeWaiter composite, object? yielded)
    {
        ReadOnlySpan<WaitBranch?> branches = composite.Branches;
        if (yielded is TimeoutWait && branches.Length == 2 && branches[0] is { ParkKind: not ParkKind.None } inner)
        {
            string what = DescribeParked(inner, inner.Condition);
            return branches[1] is { ParkKind: ParkKind.Timer } limit
                ? $"{what}, timing out at {LoopTimeFormat.Format(loop.TimerDue(limit))}"
                : what;
        }

        var pending = new List<string>(branches.Length);
        foreach (WaitBranch? branch in branches)
        {
            if (branch is { ParkKind: not ParkKind.None })
            {
                pending.Add(DescribeParked(branch, branch.Condition));
            }
        }

        string list = string.Join("; ", pending);
        if (composite.Any is not null)
        {
            return $"any of: [{list}]";
        }

        int done = branches.Length - pending.Count;
        return done == 0
            ? $"all of: [{list}]"
            : string.Create(CultureInfo.InvariantCulture, $"all of: [{list}] ({done} of {branches.Length} done)");
    }

    private static string DescribeExternal(object? yielded) => yielded switch
    {
        Task task => $"waiting for a .NET task ({TaskWait.Describe(task)})",
        TaskWait wait => $"waiting for a .NET task ({TaskWait.Describe(wait.Task)})",

        // TaskWait<T> keeps its task private; its text is "Wait.ForTask(task #N)".
        WaitCondition wait when wait.GetType().IsGenericType && wait.GetType().GetGenericTypeDefinition() == typeof(TaskWait<>) =>
            $"waiting for a .NET task ({Unwrap(wait.ToString()!, "Wait.ForTask(", ")")})",
        null => "waiting for a completion from another thread",
        _ => $"waiting for {yielded}",
    };

    /// <summary><c>until IsReady</c>, <c>while IsBusy</c>, <c>until a lambda in Main</c>.</summary>
    private static string DescribePredicate(PredicateWait wait) =>
        (wait.Expected ? "until " : "while ") + DescribeMethod(wait.Predicate.Method.Name);

    /// <summary>A method's name as written: compiler names of lambdas and local functions are decoded.</summary>
    internal static string DescribeMethod(string name)
    {
        if (!name.StartsWith('<'))
        {
            return name;
        }

        int close = name.IndexOf('>', StringComparison.Ordinal);
        if (close < 1)
        {
            return name;
        }

        string outer = name[1..close];
        string rest = name[(close + 1)..];
        if (rest.StartsWith("g__", StringComparison.Ordinal))
        {
            int end = rest.IndexOf('|', StringComparison.Ordinal);
            return end > 3 ? rest[3..end] : rest[3..]; // a local function: its own name
        }

        return outer.Length > 0 ? $"a lambda in {outer}" : "a lambda";
    }

    /// <summary><c>receive on socket A -&gt; B</c> (the wait's text) becomes <c>socket receive: socket A -&gt; B</c>.</summary>
    private static string DescribeSocket(string text)
    {
        int on = text.IndexOf(" on ", StringComparison.Ordinal);
        return on > 0 ? $"socket {text[..on]}: {text[(on + 4)..]}" : $"socket {text}";
    }

    private static bool IsSocketWait(object? value)
    {
        for (Type? type = value?.GetType(); type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(SocketWait<>))
            {
                return true;
            }
        }

        return false;
    }

    private static string Unwrap(string text, string prefix, string suffix) =>
        text.StartsWith(prefix, StringComparison.Ordinal) && text.EndsWith(suffix, StringComparison.Ordinal)
            ? text[prefix.Length..^suffix.Length]
            : text;
}
