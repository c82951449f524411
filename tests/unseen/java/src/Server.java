import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.text.NumberFormat;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.xml.parsers.DocumentBuilderFactory;

// A tiny HTTP API on the JDK's built-in server; each endpoint touches a JDK subsystem that loads
// its classes and data lazily (tzdb.dat, cacerts, CLDR locale data, java.xml, java.util.zip).
public class Server {
	static void reply(HttpExchange ex, int status, String body) throws java.io.IOException {
		byte[] b = body.getBytes(StandardCharsets.UTF_8);
		ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
		ex.sendResponseHeaders(status, b.length);
		try (OutputStream os = ex.getResponseBody()) {
			os.write(b);
		}
	}

	static String handle(String path) throws Exception {
		switch (path) {
		case "/":
			return "java " + Runtime.version().feature() + "\n";
		case "/time": {
			Instant t = Instant.ofEpochSecond(1700000000L);
			ZonedDateTime paris = t.atZone(ZoneId.of("Europe/Paris"));
			ZonedDateTime tokyo = t.atZone(ZoneId.of("Asia/Tokyo"));
			return paris.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + " " + tokyo.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
					+ " default=" + ZoneId.systemDefault() + "\n";
		}
		case "/tls": {
			TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			tmf.init((KeyStore) null);
			SSLContext ctx = SSLContext.getInstance("TLSv1.3");
			ctx.init(null, tmf.getTrustManagers(), null);
			int n = ((javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0]).getAcceptedIssuers().length;
			return "protocol=" + ctx.getProtocol() + " trusted>100=" + (n > 100) + "\n";
		}
		case "/hash": {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			return HexFormat.of().formatHex(md.digest("pare".getBytes(StandardCharsets.UTF_8))) + "\n";
		}
		case "/locale":
			return NumberFormat.getCurrencyInstance(Locale.GERMANY).format(1234567.891) + " "
					+ NumberFormat.getInstance(new Locale("fr", "FR")).format(9876.5) + " "
					+ java.time.LocalDate.of(2024, 3, 1).format(DateTimeFormatter.ofPattern("EEEE d MMMM", Locale.forLanguageTag("es-ES"))) + "\n";
		case "/xml": {
			var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
					.parse(new java.io.ByteArrayInputStream("<a><b>x</b><b>y</b></a>".getBytes(StandardCharsets.UTF_8)));
			return "b=" + doc.getElementsByTagName("b").getLength() + "\n";
		}
		case "/zip": {
			ByteArrayOutputStream bo = new ByteArrayOutputStream();
			try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
				gz.write("hello hello hello hello".getBytes(StandardCharsets.UTF_8));
			}
			return "gz>0=" + (bo.size() > 0) + "\n";
		}
		default:
			return null;
		}
	}

	public static void main(String[] args) throws Exception {
		HttpServer s = HttpServer.create(new InetSocketAddress(8082), 16);
		s.createContext("/", ex -> {
			try {
				String body = handle(ex.getRequestURI().getPath());
				if (body == null)
					reply(ex, 404, "not found\n");
				else
					reply(ex, 200, body);
			} catch (Exception e) {
				reply(ex, 500, e.toString() + "\n");
			}
		});
		s.start();
		System.out.println("listening on 8082");
	}
}
