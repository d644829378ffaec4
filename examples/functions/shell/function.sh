# The handler of examples/functions/shell (_HANDLER function.handler): the
# event is $1, the response is what it prints. It fails (a function error)
# when the event asks to, and sleeps when asked (to try the timeout).
handler() {
    echo "function.sh: an event of ${#1} bytes" >&2
    case "$1" in
    *'"fail"'*) return 1 ;;
    esac
    s=$(printf '%s' "$1" | sed -n 's/.*"sleep_s" *: *\([0-9.]*\).*/\1/p')
    [ -z "$s" ] || sleep "$s"
    printf '{"received":%s,"function":"%s"}' "$1" "$AWS_LAMBDA_FUNCTION_NAME"
}
