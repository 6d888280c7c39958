using System.Collections;
using Microsoft.Extensions.DependencyInjection;

namespace Scheduler.Hosting;

/// <summary>
/// Adds hosted routines to the event loop that <see cref="EventLoopServiceCollectionExtensions.AddEventLoop"/>
/// registered: each is spawned on the loop when the host starts and canceled when it stops.
/// </summary>
/// <remarks>
/// Hosted routines are spawned in the loop's first round, in the order they were added. Every registration is
/// one coroutine: adding the same worker type twice runs two instances.
/// </remarks>
public sealed class EventLoopBuilder
{
    internal EventLoopBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection the loop is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a hosted routine provided by a <typeparamref name="TWorker"/>, created with its dependencies injected.</summary>
    /// <remarks>
    /// When the host starts, the worker is resolved from the container if <typeparamref name="TWorker"/> is
    /// registered there, and otherwise created with its constructor's dependencies injected (and disposed, if it is
    /// disposable, once the loop has stopped). Its <see cref="IHostedRoutine.Run"/> is called once, and the
    /// routine it returns runs as a coroutine named <paramref name="name"/>. Like a hosted service, a worker lives
    /// as long as the host: it should not take scoped services in its constructor (create a scope with
    /// <c>IServiceScopeFactory</c> instead).
    /// </remarks>
    /// <typeparam name="TWorker">The worker type.</typeparam>
    /// <param name="name">The coroutine's name in logs, dumps and error messages; null for the worker type's name.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public EventLoopBuilder AddCoroutine<TWorker>(string? name = null)
        where TWorker : class, IHostedRoutine
    {
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        Services.AddSingleton(HostedRoutineRegistration.ForWorker<TWorker>(name ?? typeof(TWorker).Name));
        return this;
    }

    /// <summary>Adds a hosted routine that <paramref name="factory"/> creates when the host starts.</summary>
    /// <remarks>
    /// <paramref name="factory"/> is called once, on the thread that starts the host, with the application's
    /// service provider; the routine it returns is spawned on the loop as a coroutine named <paramref name="name"/>.
    /// </remarks>
    /// <param name="name">The coroutine's name in logs, dumps and error messages.</param>
    /// <param name="factory">Creates the routine, for example <c>sp =&gt; Ticker(sp.GetRequiredService&lt;Clock&gt;())</c>.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public EventLoopBuilder AddCoroutine(string name, Func<IServiceProvider, IEnumerator> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new HostedRoutineRegistration(name, (services, _, _) => factory(services)));
        return this;
    }

    /// <summary>Adds a hosted routine that <paramref name="factory"/> creates when the host starts, given the stopping token.</summary>
    /// <remarks>
    /// Like <see cref="AddCoroutine(string, Func{IServiceProvider, IEnumerator})"/>; the token is canceled when the
    /// host begins to stop (see <see cref="IHostedRoutine.Run"/>).
    /// </remarks>
    /// <param name="name">The coroutine's name in logs, dumps and error messages.</param>
    /// <param name="factory">Creates the routine from the service provider and the stopping token.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public EventLoopBuilder AddCoroutine(string name, Func<IServiceProvider, CancellationToken, IEnumerator> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new HostedRoutineRegistration(name, (services, _, stoppingToken) => factory(services, stoppingToken)));
        return this;
    }
}
