using System.Collections;

namespace Scheduler.Hosting;

/// <summary>
/// A service that provides a routine to run on the hosted event loop for the lifetime of the host: the
/// coroutine counterpart of <c>BackgroundService.ExecuteAsync</c>. Register it with
/// <see cref="EventLoopServiceCollectionExtensions.AddCoroutine{TWorker}(Microsoft.Extensions.DependencyInjection.IServiceCollection, string?)"/>;
/// it gets its dependencies by constructor injection.
/// </summary>
/// <remarks>
/// <para><see cref="Run"/> is called once, when the host starts, on the thread that starts the host; the routine
/// it returns is spawned on the loop thread in the loop's first round, in registration order with the other
/// hosted routines. Its body runs on the loop thread only, step by step.</para>
/// <para>At stop, the routine is canceled like every live coroutine (<see cref="Coroutine.Cancel"/>): its
/// iterators are disposed innermost first, so its <c>finally</c> blocks run on the loop thread. A routine does not
/// need to watch the stopping token for that. The token matters with
/// <see cref="EventLoopShutdownBehavior.DrainThenCancel"/>: it is canceled when the host begins to stop, and a
/// routine that sees it can finish its current unit of work and return before it is canceled.</para>
/// </remarks>
public interface IHostedRoutine
{
    /// <summary>Creates the routine to run; called once, when the host starts.</summary>
    /// <param name="stoppingToken">Canceled when the host begins to stop, before the routine is canceled.</param>
    /// <returns>The routine: usually the result of an iterator method.</returns>
    IEnumerator Run(CancellationToken stoppingToken);
}
