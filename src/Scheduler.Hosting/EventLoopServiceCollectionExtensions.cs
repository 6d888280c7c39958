using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Scheduler.Hosting;

/// <summary>Registers a hosted event loop and its hosted routines in a service collection.</summary>
/// <example>
/// <code>
/// HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
/// builder.Services.AddEventLoop(options => options.ThreadName = "orders-loop")
///     .AddCoroutine&lt;OrderPump&gt;()                        // a worker with injected dependencies
///     .AddCoroutine("heartbeat", sp => Heartbeat());       // a routine from a factory
/// await builder.Build().RunAsync();                       // Ctrl+C: every finally runs on the loop thread
/// </code>
/// </example>
public static class EventLoopServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="EventLoop"/> (a singleton other services can inject to spawn and post work) and a
    /// hosted service that runs it on a dedicated thread it owns, from the host's start to its stop.
    /// </summary>
    /// <remarks>
    /// <para>Options (<see cref="EventLoopHostOptions"/>) are bound from the configuration section
    /// <c>EventLoop</c>, then <paramref name="configure"/> runs, then they are validated when the host starts: an
    /// invalid value stops the start with an error that names it. The loop logs through the host's
    /// <see cref="ILoggerFactory"/> with the category <c>Scheduler.EventLoop</c>; the hosting layer with
    /// <c>Scheduler.Hosting</c>. The loop's clock is the <see cref="TimeProvider"/> registered in the container,
    /// or <see cref="TimeProvider.System"/>.</para>
    /// <para>Start: the loop's thread (a background thread named <see cref="EventLoopHostOptions.ThreadName"/>, not a
    /// pool thread) starts running the loop, and the hosted routines are spawned in its first round. Stop: every
    /// live coroutine is canceled (see <see cref="EventLoopHostOptions.ShutdownBehavior"/>), so its
    /// <c>finally</c> blocks run on the loop thread; once none is alive the loop stops and is disposed on its
    /// thread, which reports items still buffered in channels. If the host's shutdown timeout ends first, a
    /// warning names the step still running and the stop returns; the loop is then stopped and disposed on its
    /// thread as soon as that step returns.</para>
    /// <para>Calling this again registers nothing more; its <paramref name="configure"/> is added after the
    /// earlier ones.</para>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the options after they are bound from configuration; null for none.</param>
    /// <returns>A builder that adds hosted routines.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static EventLoopBuilder AddEventLoop(this IServiceCollection services, Action<EventLoopHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(static d => d.ServiceType == typeof(EventLoopHostedService)))
        {
            services.AddOptions<EventLoopHostOptions>().ValidateOnStart();
            services.AddSingleton<IConfigureOptions<EventLoopHostOptions>>(
                static sp => new BindEventLoopHostOptions(sp.GetService<IConfiguration>()));
            services.AddSingleton<IValidateOptions<EventLoopHostOptions>, ValidateEventLoopHostOptions>();
            services.AddSingleton(static sp => HostedLoop.Create(
                sp.GetRequiredService<IOptions<EventLoopHostOptions>>().Value,
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                sp.GetService<TimeProvider>() ?? TimeProvider.System));
            services.AddSingleton(static sp => new EventLoopHostedService(
                sp.GetRequiredService<EventLoop>(),
                sp.GetRequiredService<IOptions<EventLoopHostOptions>>().Value,
                [.. sp.GetServices<HostedRoutineRegistration>()],
                sp,
                sp.GetService<IHostApplicationLifetime>(),
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<EventLoopHostedService>());
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new EventLoopBuilder(services);
    }

    /// <summary>
    /// Adds a hosted routine provided by a <typeparamref name="TWorker"/> (see
    /// <see cref="EventLoopBuilder.AddCoroutine{TWorker}(string?)"/>), registering the event loop first if
    /// <see cref="AddEventLoop"/> has not been called.
    /// </summary>
    /// <typeparam name="TWorker">The worker type; its dependencies are injected through its constructor.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The coroutine's name; null for the worker type's name.</param>
    /// <returns>The loop's builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static EventLoopBuilder AddCoroutine<TWorker>(this IServiceCollection services, string? name = null)
        where TWorker : class, IHostedRoutine =>
        services.AddEventLoop().AddCoroutine<TWorker>(name);

    /// <summary>
    /// Adds a hosted routine that <paramref name="factory"/> creates when the host starts (see
    /// <see cref="EventLoopBuilder.AddCoroutine(string, Func{IServiceProvider, IEnumerator})"/>), registering the
    /// event loop first if <see cref="AddEventLoop"/> has not been called.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The coroutine's name.</param>
    /// <param name="factory">Creates the routine from the service provider.</param>
    /// <returns>The loop's builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="name"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static EventLoopBuilder AddCoroutine(this IServiceCollection services, string name, Func<IServiceProvider, IEnumerator> factory) =>
        services.AddEventLoop().AddCoroutine(name, factory);
}
