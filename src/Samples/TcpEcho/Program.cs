Console.WriteLine("TcpEcho sample: being written");
