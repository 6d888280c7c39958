// The ASP.NET Core Kestrel peer of src/Samples/HttpHello in the network comparison
// (tests/Scheduler.Benchmarks/Network/compare.sh). A raw middleware, no routing: GET / gets "Hello, World!" as
// text/plain, any other request 404. Kestrel adds the Date field itself; the Server field is turned off, so the bytes
// on the wire are the ones HttpHello and the asyncio peer send. Kestrel runs on the thread pool, its normal way of
// running; compare.sh also runs it held to one core (taskset, DOTNET_PROCESSOR_COUNT=1).
//
// usage: KestrelHello [--port N]     (listens on 127.0.0.1, default port 8080; prints one line once listening)
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

int port = 8080;
if (args.Length > 0 && (args is not ["--port", string text] || !int.TryParse(text, CultureInfo.InvariantCulture, out port)))
{
    Console.Error.WriteLine("usage: KestrelHello [--port N]");
    return 2;
}

// The empty builder: Kestrel and nothing else. No configuration files, so nothing watches the working directory for
// changes (the default builders do, recursively), and no logging providers.
WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
builder.WebHost.UseKestrelCore();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port);
});

WebApplication app = builder.Build();
byte[] hello = "Hello, World!"u8.ToArray();
app.Run(context =>
{
    HttpResponse response = context.Response;
    if (context.Request.Path != "/" || !HttpMethods.IsGet(context.Request.Method))
    {
        response.StatusCode = StatusCodes.Status404NotFound;
        response.ContentLength = 0;
        return Task.CompletedTask;
    }

    response.StatusCode = StatusCodes.Status200OK;
    response.ContentType = "text/plain";
    response.ContentLength = hello.Length;
    return response.Body.WriteAsync(hello).AsTask();
});

app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"listening on http://127.0.0.1:{port}/ (Kestrel, {Environment.ProcessorCount} processor(s) seen)"));
app.Run();
return 0;
