#!/bin/sh
# report-check.sh PAGE.html [SCREENSHOT.png]
#
# Opens a `lambdasim report` page in headless Chromium and checks what a
# reader relies on: the page loads with no console message (a blocked
# fetch, a script error and a Content-Security-Policy violation all print
# one), makes no network request (the page's resource list must be empty;
# Chromium is also given an unreachable proxy, so a request could not
# reach the network anyway), and every <figure> holds an <svg> with a
# non-empty drawing. With SCREENSHOT.png, also keeps a screenshot.
#
# The page is opened inside an <iframe> of a checking page (the report's
# own CSP forbids scripts, rightly, so the check cannot run inside it);
# --allow-file-access-from-files lets the checker read the frame.
#
# Prints "ok: N figures, 0 requests, 0 console messages" and exits 0; or
# one "FAIL ..." line per problem and exits 1; exits 77 when no Chromium
# is installed ($LAMBDASIM_CHROMIUM, else chromium on PATH).
set -u
page=$1
shot=${2:-}
chrome=${LAMBDASIM_CHROMIUM:-}
if [ -z "$chrome" ]; then
    for c in chromium chromium-browser google-chrome; do
        if command -v "$c" >/dev/null 2>&1; then chrome=$c; break; fi
    done
fi
if [ -z "$chrome" ]; then
    echo "no Chromium (Debian package chromium)"
    exit 77
fi
[ -r "$page" ] || { echo "FAIL cannot read $page"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/report-check.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
cp "$page" "$dir/page.html" || exit 1
cat > "$dir/check.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>report check</title></head><body>
<iframe id="f" src="page.html" style="width:1280px;height:900px"></iframe>
<pre id="result">the check did not run</pre>
<script>
window.addEventListener('load', function () {
  var out = [], fr = document.getElementById('f'), d = null;
  try { d = fr.contentDocument; } catch (e) { out.push('FAIL cannot read the page: ' + e); }
  if (!d || !d.body || !d.querySelector('h1')) {
    out.push('FAIL the page did not load');
  } else {
    var figs = d.querySelectorAll('figure'), bad = 0;
    for (var i = 0; i < figs.length; i++) {
      var s = figs[i].querySelector('svg'), id = figs[i].id || ('#' + i);
      if (!s) { out.push('FAIL figure ' + id + ': no svg'); bad++; continue; }
      var r = s.getBoundingClientRect(), bb = s.getBBox();
      var marks = s.querySelectorAll('path,polyline,polygon,line,circle,use').length;
      var texts = s.querySelectorAll('text').length;
      if (!(r.width > 100 && r.height > 50 && bb.width > 0 && bb.height > 0 && marks >= 5 && texts >= 2)) {
        out.push('FAIL figure ' + id + ': empty (' + Math.round(r.width) + 'x' + Math.round(r.height) +
                 ' px, ' + marks + ' marks, ' + texts + ' texts)');
        bad++;
      }
    }
    var res = fr.contentWindow.performance.getEntriesByType('resource');
    for (var j = 0; j < res.length; j++) out.push('FAIL request ' + res[j].name);
    out.unshift('figures ' + figs.length + ' requests ' + res.length);
  }
  document.getElementById('result').textContent = out.join('\n');
});
</script></body></html>
EOF
flags="--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check \
--disable-background-networking --disable-component-update --disable-sync --mute-audio \
--user-data-dir=$dir/profile --proxy-server=127.0.0.1:9"
# shellcheck disable=SC2086  # flags are words
timeout 120 "$chrome" $flags --allow-file-access-from-files --enable-logging=stderr --v=0 \
    --virtual-time-budget=10000 --dump-dom "file://$dir/check.html" > "$dir/dom" 2> "$dir/log"
rc=$?
if [ $rc -ne 0 ]; then
    echo "FAIL chromium exited with $rc"
    tail -5 "$dir/log"
    exit 1
fi
result=$(sed -n '/<pre id="result">/,/<\/pre>/p' "$dir/dom" | sed 's/<pre id="result">//; s/<\/pre>.*//')
fail=0
case $result in
    figures*) ;;
    *) echo "FAIL no result from the check: ${result:-nothing}"; fail=1 ;;
esac
echo "$result" | grep '^FAIL' && fail=1
# Console messages of the page (or of the checker): none are expected.
console=$(grep -c ':CONSOLE' "$dir/log")
if [ "$console" -gt 0 ]; then
    grep ':CONSOLE' "$dir/log" | sed 's/^/FAIL console: /' | head -20
    fail=1
fi
if [ -n "$shot" ]; then
    rm -f "$shot"
    # shellcheck disable=SC2086
    timeout 120 "$chrome" $flags --window-size=1280,2400 --screenshot="$shot" "file://$dir/page.html" \
        > /dev/null 2>&1
    if [ ! -s "$shot" ]; then
        echo "FAIL no screenshot at $shot"
        fail=1
    fi
fi
[ $fail -eq 0 ] || exit 1
figs=$(echo "$result" | sed -n 's/^figures \([0-9]*\) requests \([0-9]*\)$/\1/p')
reqs=$(echo "$result" | sed -n 's/^figures \([0-9]*\) requests \([0-9]*\)$/\2/p')
echo "ok: $figs figures, $reqs requests, $console console messages"
